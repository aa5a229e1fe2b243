use super::*;

const HEADER_51: &str = "**********************
Windows PowerShell transcript start
Start time: 20261205101422
Username: CONTOSO\\admin
RunAs User: CONTOSO\\admin
Configuration Name: 
Machine: CCE-HOST01 (Microsoft Windows NT 10.0.14393.0)
Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe
Process ID: 4312
PSVersion: 5.1.14393.4583
PSEdition: Desktop
PSCompatibleVersions: 1.0, 2.0, 3.0, 4.0, 5.0, 5.1.14393.4583
BuildVersion: 10.0.14393.4583
CLRVersion: 4.0.30319.42000
WSManStackVersion: 3.0
PSRemotingProtocolVersion: 2.3
SerializationVersion: 1.1.0.1
**********************
Transcript started, output file is C:\\Users\\admin\\Documents\\PowerShell_transcript.CCE-HOST01.x1y2z3.20261205101422.txt";

fn two_sessions() -> String {
    [
        HEADER_51,
        "PS C:\\Users\\admin> Import-Module CloudConnector",
        "PS C:\\Users\\admin> Get-CcRunningVersion",
        "2.1.0.0",
        "**********************",
        "Command start time: 20261205101530",
        "**********************",
        "PS C:\\Users\\admin> $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
        "New-PSSession : [admin.vdomain.com] Connecting to remote server admin.vdomain.com failed with the following error messag",
        "e : The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been",
        " exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remote_Troublesho",
        "oting Help topic.",
        "At line:1 char:6",
        "+ $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
        "+      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotin",
        "   gTransportException",
        "    + FullyQualifiedErrorId : -2144108174,PSSessionOpenFailed",
        "PS C:\\Users\\admin> Get-Service msoidsvc | Format-List Name, Status, StartType",
        "",
        "",
        "Name      : msoidsvc",
        "Status    : Stopped",
        "StartType : Automatic",
        "",
        "",
        "",
        "**********************",
        "Windows PowerShell transcript end",
        "End time: 20261205103000",
        "**********************",
        "**********************",
        "Windows PowerShell transcript start",
        "Start time: 20261206080000",
        "Username: CONTOSO\\other",
        "RunAs User: CONTOSO\\other",
        "Machine: CCE-HOST01 (Microsoft Windows NT 10.0.14393.0)",
        "Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile",
        "Process ID: 5120",
        "PSVersion: 5.1.14393.4583",
        "**********************",
        "Transcript started, output file is C:\\t.txt",
        "PS>Get-CcVersion",
        "WARNING: A newer version of Cloud Connector is available.",
        "2.1.0.0",
        "**********************",
        "Windows PowerShell transcript end",
        "End time: 20261206080500",
        "**********************",
    ]
    .join("\r\n")
}

fn of(parsed: &Parsed, kind: RecordKind) -> Vec<&Record> {
    parsed.records.iter().filter(|r| r.kind == kind).collect()
}

#[test]
fn two_appended_windows_powershell_sessions() {
    let text = two_sessions();
    assert!(looks_like_transcript(&text));
    let parsed = parse(&text);
    let kinds: Vec<RecordKind> = parsed.records.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RecordKind::PsSession,
            RecordKind::PsCommand,
            RecordKind::PsCommand,
            RecordKind::Text,
            RecordKind::PsCommand,
            RecordKind::PsError,
            RecordKind::PsCommand,
            RecordKind::PsObject,
            RecordKind::PsSession,
            RecordKind::PsCommand,
            RecordKind::PsWarning,
            RecordKind::Text,
        ]
    );

    let sessions = of(&parsed, RecordKind::PsSession);
    let first = sessions[0];
    assert_eq!(first.get("start_time"), Some("20261205101422"));
    assert_eq!(first.get("start_time_iso"), Some("2026-12-05T10:14:22"));
    assert_eq!(first.get("username"), Some("CONTOSO\\admin"));
    assert_eq!(first.get("runas_user"), Some("CONTOSO\\admin"));
    assert_eq!(first.get("configuration_name"), None);
    assert_eq!(first.get("machine"), Some("CCE-HOST01"));
    assert_eq!(first.get("machine_os"), Some("Microsoft Windows NT 10.0.14393.0"));
    assert_eq!(first.get("host_application"), Some("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"));
    assert_eq!(first.get("process_id"), Some("4312"));
    assert_eq!(first.get("ps_version"), Some("5.1.14393.4583"));
    assert_eq!(first.get("ps_edition"), Some("Desktop"));
    assert_eq!(first.get("clr_version"), Some("4.0.30319.42000"));
    assert_eq!(first.get("wsman_stack_version"), Some("3.0"));
    assert_eq!(first.get("ps_remoting_protocol_version"), Some("2.3"));
    assert_eq!(first.get("end_time"), Some("20261205103000"));
    assert_eq!(first.get("end_time_iso"), Some("2026-12-05T10:30:00"));
    assert_eq!(first.get("session_index"), Some("0"));
    assert_eq!((first.span.first_line, first.span.last_line), (1, 49));
    let second = sessions[1];
    assert_eq!(second.get("username"), Some("CONTOSO\\other"));
    assert_eq!(second.get("session_index"), Some("1"));
    assert_eq!(second.get("end_time_iso"), Some("2026-12-06T08:05:00"));
    assert_eq!((second.span.first_line, second.span.last_line), (50, 67));

    let commands = of(&parsed, RecordKind::PsCommand);
    assert_eq!(commands[0].get("command"), Some("Import-Module CloudConnector"));
    assert_eq!(commands[0].get("command_name"), Some("Import-Module"));
    assert_eq!(commands[0].get("session_user"), Some("CONTOSO\\admin"));
    assert_eq!(commands[0].get("session_machine"), Some("CCE-HOST01"));
    assert_eq!(commands[0].get("session_start_iso"), Some("2026-12-05T10:14:22"));
    assert_eq!(commands[0].get("session_index"), Some("0"));
    assert_eq!(commands[0].get("command_time_iso"), None);
    assert_eq!((commands[0].span.first_line, commands[0].span.last_line), (20, 20));
    assert_eq!(commands[2].get("command_name"), Some("New-PSSession"));
    assert_eq!(commands[2].get("command_time"), Some("20261205101530"));
    assert_eq!(commands[2].get("command_time_iso"), Some("2026-12-05T10:15:30"));
    assert_eq!(commands[3].get("command_name"), Some("Get-Service"));
    assert_eq!(commands[3].get("command_time_iso"), None);
    assert_eq!(commands[4].get("command"), Some("Get-CcVersion"));
    assert_eq!(commands[4].get("session_user"), Some("CONTOSO\\other"));
    assert_eq!(commands[4].get("session_index"), Some("1"));

    let version = &parsed.records[3];
    assert_eq!(version.get("line"), Some("2.1.0.0"));
    assert_eq!(version.get("producer"), Some("Get-CcRunningVersion"));
    let error = &parsed.records[5];
    assert_eq!(error.get("producer"), Some("New-PSSession"));
    assert_eq!(error.get("computer"), Some("admin.vdomain.com"));
    assert!(error.get("message").is_some_and(|m| m.ends_with("about_Remote_Troubleshooting Help topic.")));
    assert_eq!(error.get("exception"), Some("PSRemotingTransportException"));
    let service = &parsed.records[7];
    assert_eq!(service.get("Status"), Some("Stopped"));
    assert_eq!(service.get("StartType"), Some("Automatic"));
    assert_eq!(service.get("producer"), Some("Get-Service"));
    assert_eq!(parsed.records[10].get("producer"), Some("Get-CcVersion"));
    assert!(parsed.problems.is_empty());
}

#[test]
fn powershell_2_header() {
    let text = "**********************\n\
Windows PowerShell Transcript Start\n\
Start time: 20100612151311\n\
Username  : CONTOSO\\admin \n\
Machine\t  : CCE-OLD (Microsoft Windows NT 6.1.7601 Service Pack 1) \n\
**********************\n\
Transcript started, output file is C:\\transcript.txt\n\
PS C:\\> Get-Host\n\
\n\
Name             : ConsoleHost\n\
Version          : 2.0\n";
    assert!(looks_like_transcript(text));
    let parsed = parse(text);
    let session = &parsed.records[0];
    assert_eq!(session.kind, RecordKind::PsSession);
    assert_eq!(session.get("username"), Some("CONTOSO\\admin"));
    assert_eq!(session.get("machine"), Some("CCE-OLD"));
    assert_eq!(session.get("machine_os"), Some("Microsoft Windows NT 6.1.7601 Service Pack 1"));
    assert_eq!(session.get("start_time_iso"), Some("2010-06-12T15:13:11"));
    assert_eq!(session.get("ps_version"), None);
    assert_eq!(session.get("end_time"), None);
    let command = &parsed.records[1];
    assert_eq!(command.get("command_name"), Some("Get-Host"));
    assert_eq!(command.get("session_machine"), Some("CCE-OLD"));
    let host = &parsed.records[2];
    assert_eq!(host.kind, RecordKind::PsObject);
    assert_eq!(host.get("Version"), Some("2.0"));
    assert_eq!(host.get("producer"), Some("Get-Host"));
    assert_eq!(parsed.records.len(), 3);
}

#[test]
fn truncated_transcript_and_text_before_the_header() {
    let text = [
        "PS C:\\> Get-VM",
        "leftover line",
        "**********************",
        "PowerShell transcript start",
        "Start time: 20261205101422",
        "Username: CCE-HOST01\\Administrator",
        "Machine: CCE-HOST01 (Microsoft Windows NT 10.0.17763.0)",
        "PSVersion: 7.4.6",
        "PSEdition: Core",
        "**********************",
        "PS C:\\> Get-VM",
        "",
        "Name        State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version",
        "----        -----   ----------- ----------------- ------           ------             -------",
        "2.1.0.0-CMS Running 0           4096              12:03:44.1230000 Operating normally 8.0",
        "PS C:\\> Get-NetFirewallRule -DisplayName 'SfB*' |",
        ">> Select-Object DisplayName, Enabled",
        "PS>TerminatingError(Get-NetFirewallRule): \"No MSFT_NetFirewallRule objects found with property 'DisplayName' equal to 'SfB*'.\"",
        "PS C:\\> ",
    ]
    .join("\n");
    assert!(looks_like_transcript(&text));
    let parsed = parse(&text);
    let kinds: Vec<RecordKind> = parsed.records.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RecordKind::PsCommand,
            RecordKind::Text,
            RecordKind::PsSession,
            RecordKind::PsCommand,
            RecordKind::PsObject,
            RecordKind::PsCommand,
            RecordKind::Text,
            RecordKind::PsCommand,
        ]
    );
    // Before the first header the lines read as a console copy: a prompt and its output.
    assert_eq!(parsed.records[0].get("command"), Some("Get-VM"));
    assert_eq!(parsed.records[1].get("producer"), Some("Get-VM"));
    let session = &parsed.records[2];
    assert_eq!(session.get("ps_version"), Some("7.4.6"));
    assert_eq!(session.get("ps_edition"), Some("Core"));
    assert_eq!(session.get("end_time"), None);
    assert_eq!((session.span.first_line, session.span.last_line), (3, 19));
    let vm = &parsed.records[4];
    assert_eq!(vm.get("Name"), Some("2.1.0.0-CMS"));
    assert_eq!(vm.get("State"), Some("Running"));
    assert_eq!(vm.get("producer"), Some("Get-VM"));
    let multiline = &parsed.records[5];
    assert_eq!(
        multiline.get("command"),
        Some("Get-NetFirewallRule -DisplayName 'SfB*' |\nSelect-Object DisplayName, Enabled")
    );
    assert_eq!(multiline.get("command_name"), Some("Get-NetFirewallRule"));
    assert_eq!((multiline.span.first_line, multiline.span.last_line), (16, 17));
    let terminating = &parsed.records[6];
    assert_eq!(terminating.get("stream"), Some("terminating_error"));
    assert_eq!(terminating.get("command"), Some("Get-NetFirewallRule"));
    assert_eq!(
        terminating.get("message"),
        Some("No MSFT_NetFirewallRule objects found with property 'DisplayName' equal to 'SfB*'.")
    );
    assert_eq!(parsed.records[7].get("command"), Some(""));
    assert_eq!(parsed.records[7].get("command_name"), None);
}

#[test]
fn command_names() {
    let cases = [
        ("$s = New-PSSession -ConnectionUri https://x -Credential $cred", Some("New-PSSession")),
        ("$cred=Get-Credential", Some("Get-Credential")),
        ("$n = 5", Some("5")),
        ("(Get-VM).Count", Some("Get-VM")),
        ("& 'C:\\Scripts\\Collect.ps1' -Full", Some("C:\\Scripts\\Collect.ps1")),
        ("ipconfig /all", Some("ipconfig")),
        ("Get-VMNetworkAdapter -VMName * | ft", Some("Get-VMNetworkAdapter")),
        ("", None),
    ];
    for (command, expected) in cases {
        assert_eq!(command_name(command).as_deref(), expected, "{command}");
    }
}

#[test]
fn remote_prompts_and_field_names() {
    assert!(PROMPT.is_match("[admin.vdomain.com]: PS C:\\Users\\admin\\Documents> Get-CsTenant"));
    assert!(PROMPT.is_match("PS Cert:\\LocalMachine\\My> dir"));
    assert!(!PROMPT.is_match("PSVersion: 5.1"));
    assert_eq!(field_name("Host Application"), "host_application");
    assert_eq!(field_name("PSCompatibleVersions"), "ps_compatible_versions");
    assert_eq!(field_name("GitCommitId"), "git_commit_id");
    assert_eq!(field_name("RunAs User"), "runas_user");
}

#[test]
fn not_a_transcript() {
    assert!(!looks_like_transcript("Name : CMS\n"));
    assert!(!looks_like_transcript(""));
    let late = format!("{}\nWindows PowerShell transcript start", "x".repeat(10_000));
    assert!(!looks_like_transcript(&late));
    let parsed = parse("**********************\n**********************\nhello\n");
    let lines: Vec<Option<&str>> = parsed.records.iter().map(|r| r.get("line")).collect();
    assert_eq!(lines, [Some("**********************"), Some("**********************"), Some("hello")]);
}

#[test]
fn odd_inputs_do_not_panic() {
    for text in [
        "**********************",
        "**********************\nWindows PowerShell transcript start",
        "**********************\nWindows PowerShell transcript end",
        "**********************\nCommand start time: x",
        "**********************\nWindows PowerShell transcript start\nStart time: 99999999999999\n",
        ">> x\nPS>",
        "é**********************é",
    ] {
        let _ = parse(text);
    }
}

#[test]
fn localized_headers_open_sessions_with_english_fields() {
    for (start, keys, notice, end) in [
        (
            "Start der Windows PowerShell-Aufzeichnung",
            ["Startzeit", "Benutzername", "Computer"],
            "Die Aufzeichnung wurde gestartet. Die Ausgabedatei ist \"C:\\t.txt\".",
            "Ende der Windows PowerShell-Aufzeichnung\nEndzeit: 20270112093047",
        ),
        (
            "Windows PowerShell トランスクリプト開始",
            ["開始時刻", "ユーザー名", "コンピューター"],
            "トランスクリプトが開始されました。出力ファイル: C:\\t.txt",
            "Windows PowerShell トランスクリプト終了\n終了時刻: 20270112093047",
        ),
    ] {
        let text = format!(
            "**********************\n{start}\n{}: 20270112093002\n{}: AVCCE01\\cceadmin\n\
             {}: AVCCE01 (Microsoft Windows NT 6.3.9600.0)\n**********************\n{notice}\n\
             PS C:\\> Register-CcAppliance\nok\n**********************\n{end}\n**********************\n",
            keys[0], keys[1], keys[2]
        );
        assert!(looks_like_transcript(&text), "{start}");
        let parsed = parse(&text);
        let session = parsed.records.iter().find(|r| r.kind == RecordKind::PsSession).expect(start);
        assert_eq!(session.get("machine"), Some("AVCCE01"));
        assert_eq!(session.get("username"), Some("AVCCE01\\cceadmin"));
        assert_eq!(session.get("start_time_iso"), Some("2027-01-12T09:30:02"));
        assert_eq!(session.get("end_time"), Some("20270112093047"));
        let command = parsed.records.iter().find(|r| r.kind == RecordKind::PsCommand).expect("the prompt");
        assert_eq!(command.get("command_name"), Some("Register-CcAppliance"));
        assert!(parsed.records.iter().all(|r| r.get("line") != Some(notice)), "the notice is not output");
    }
}

#[test]
fn a_console_copied_as_text_reads_like_a_transcript_without_header() {
    let text = "PS C:\\Users\\admin> Get-CsHybridPSTNAppliance | Format-Table Name, DeploymentStatus\n\n\
                Name      DeploymentStatus\n----      ----------------\nOSA-CCE01 Started\n\nPS C:\\Users\\admin>\n";
    assert!(looks_like_transcript(text));
    let parsed = parse(text);
    let row = parsed.records.iter().find(|r| r.kind == RecordKind::PsObject).expect("the table row");
    assert_eq!(row.get("producer"), Some("Get-CsHybridPSTNAppliance"));
    assert!(!looks_like_transcript("Name : x\nPS C:\\> Get-VM\n"), "a prompt further down is not a console copy");
    assert!(!looks_like_transcript("PS C:\\>\n"), "an empty prompt alone is not either");
}
