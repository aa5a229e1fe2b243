//! A command line typed at a prompt, read for what its output is: which cmdlet produced the
//! objects (the last one of a pipeline that makes them, not a formatter), and whether the output
//! is a command's own or text shown from elsewhere (a file's content, a `Write-Host` tip, a
//! script of someone's own).

use super::producer::is_verb_noun;

/// What the output after a prompt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// What the commands emitted.
    Output,
    /// Text shown, not emitted: a file's content (`Get-Content`, `type`), `Write-Host` and
    /// `echo` text.
    Quoted,
    /// Lines of a `.log` file (`Get-Content -Tail 50 ...\CceManagementService.log`, or
    /// `Select-String` hits in one): the log's own entries.
    Log,
    /// A script of someone's own was run: its tips and warnings are its words.
    Script,
    /// Objects written as JSON (`... | ConvertTo-Json`): read as an export.
    Json,
}

/// Cmdlets and aliases that print a file's content.
const CONTENT: &[&str] = &["get-content", "gc", "cat", "type", "more", "select-string", "sls"];
/// Cmdlets and aliases that print the text they are given.
const ECHO: &[&str] = &["write-host", "write-output", "echo", "write", "write-information", "write-warning"];
/// Cmdlets that shape, filter or show objects others produced: never the producer.
const PASS_THROUGH: &[&str] = &[
    "where-object",
    "where",
    "?",
    "select-object",
    "select",
    "sort-object",
    "sort",
    "foreach-object",
    "foreach",
    "%",
    "group-object",
    "measure-object",
    "tee-object",
    "export-csv",
    "convertto-json",
    "convertto-csv",
    "export-clixml",
];

/// The commands of a pipeline: `a | b | c`, `|` inside quotes, braces or parentheses aside.
pub fn segments(command: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in command.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{' | '(') => depth += 1,
            (None, '}' | ')') => depth -= 1,
            (None, '|') if depth <= 0 => {
                out.push(command[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(command[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// The first word of a pipeline segment, after an assignment (`$s = New-PSSession ...`) and
/// the call operators.
fn head(segment: &str) -> &str {
    let segment = segment.trim();
    let segment = match segment.starts_with('$') {
        true => segment.split_once('=').map_or(segment, |(_, rhs)| rhs.trim_start()),
        false => segment,
    };
    let segment = segment.trim_start_matches(['(', '&', '.', ' ']);
    segment.split(|c: char| c.is_whitespace() || matches!(c, ')' | ';' | '{')).next().unwrap_or_default()
}

/// The cmdlet whose objects the output shows: the last command of the pipeline that is not a
/// formatter, an `Out-*` or a filter (`Get-VM | Get-VMNetworkAdapter | ft` shows
/// `Get-VMNetworkAdapter` objects).
pub fn producer(command: &str) -> Option<String> {
    let first_line = command.lines().next()?;
    segments(first_line)
        .into_iter()
        .map(head)
        .filter(|name| is_verb_noun(name))
        .rfind(|name| {
            let lower = name.to_ascii_lowercase();
            !(lower.starts_with("format-") || lower.starts_with("out-") || PASS_THROUGH.contains(&lower.as_str()))
        })
        .map(str::to_owned)
}

/// Whether the pipeline passes on only some of the objects its producer made (`Where-Object`,
/// `Select-Object -First`): its output cannot show that something is absent.
pub fn filters(command: &str) -> bool {
    let Some(first_line) = command.lines().next() else { return false };
    segments(first_line).iter().skip(1).any(|segment| {
        let name = head(segment).to_ascii_lowercase();
        let picks = || {
            segment.split_whitespace().any(|word| {
                let word = word.to_ascii_lowercase();
                ["-first", "-last", "-skip", "-index"].iter().any(|p| word.starts_with(p))
            })
        };
        matches!(name.as_str(), "where-object" | "where" | "?")
            || matches!(name.as_str(), "select-object" | "select") && picks()
    })
}

/// What the output after `command` is (see [`Shown`]).
pub fn shown(command: &str) -> Shown {
    let Some(first_line) = command.lines().next() else { return Shown::Output };
    let segments = segments(first_line);
    let Some(first) = segments.first() else { return Shown::Output };
    let name = head(first).trim_matches(['\'', '"']).to_ascii_lowercase();
    if CONTENT.contains(&name.as_str()) {
        let reads_a_log = first.split_whitespace().skip(1).any(|word| {
            let word = word.trim_matches(['"', '\'', ',']).to_ascii_lowercase();
            word.ends_with(".log") || word.contains(".log.") || word.ends_with(".log*") || word.ends_with("*.log")
        });
        return if reads_a_log { Shown::Log } else { Shown::Quoted };
    }
    if ECHO.contains(&name.as_str()) {
        return Shown::Quoted;
    }
    let script = name.ends_with(".ps1")
        || (name == "powershell" || name == "powershell.exe" || name == "pwsh")
            && first.to_ascii_lowercase().contains(".ps1");
    if script {
        return Shown::Script;
    }
    if segments.last().is_some_and(|last| head(last).eq_ignore_ascii_case("ConvertTo-Json")) {
        return Shown::Json;
    }
    Shown::Output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_producer_is_the_last_command_that_makes_objects() {
        assert_eq!(producer("Get-VM | Get-VMNetworkAdapter | ft").as_deref(), Some("Get-VMNetworkAdapter"));
        assert_eq!(producer("Get-VM | Select-Object Name, State | Format-List *").as_deref(), Some("Get-VM"));
        assert_eq!(producer("$s = New-CsOnlineSession -Credential $c").as_deref(), Some("New-CsOnlineSession"));
        assert_eq!(producer("Get-Service | Where-Object { $_.Status -eq 'Stopped' }").as_deref(), Some("Get-Service"));
        assert_eq!(
            producer("Invoke-Command -ComputerName MS1 { Get-Service | ft }").as_deref(),
            Some("Invoke-Command")
        );
        assert_eq!(producer("dir"), None);
    }

    #[test]
    fn filtered_pipelines() {
        assert!(filters("Get-VMNetworkAdapter -VMName * | Where-Object SwitchName -eq 'X' | ft VMName, SwitchName"));
        assert!(filters("Get-VMNetworkAdapter * | ? { $_.SwitchName } | ft"));
        assert!(filters("Get-VMNetworkAdapter * | select -First 2"));
        assert!(!filters("Get-VMNetworkAdapter * | Select-Object VMName, SwitchName | Format-Table"));
        assert!(!filters("Get-VM | Get-VMNetworkAdapter | ft"));
        assert!(!filters("Get-VMNetworkAdapter -VMName * -Name '?'"));
    }

    #[test]
    fn what_the_output_is() {
        assert_eq!(shown("Get-Content .\\Connect-Tenant.ps1"), Shown::Quoted);
        assert_eq!(shown("Get-Content -Tail 50 .\\CceManagementService.log"), Shown::Log);
        assert_eq!(shown("Select-String -Path 'C:\\x\\CceManagementService*.log' -Pattern 'Logon'"), Shown::Log);
        assert_eq!(shown("type notes.txt | more"), Shown::Quoted);
        assert_eq!(shown("Write-Host 'Tip: run Set-ExecutionPolicy'"), Shown::Quoted);
        assert_eq!(shown(".\\Check-Prereqs.ps1 -Verbose"), Shown::Script);
        assert_eq!(shown("& 'C:\\scripts\\connect.ps1'"), Shown::Script);
        assert_eq!(shown("powershell.exe -File C:\\s\\x.ps1"), Shown::Script);
        assert_eq!(shown("Import-Module CloudConnector"), Shown::Output);
        assert_eq!(segments("Get-VM | ? { $_.Name -like '*|*' } | ft"), ["Get-VM", "? { $_.Name -like '*|*' }", "ft"]);
    }
}
