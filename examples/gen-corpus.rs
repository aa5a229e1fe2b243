//! Writes a deterministic benchmark corpus: many hosts, each with a CceManagementService.log
//! of realistic entries (CRLF, UTF-8, exception continuation lines) and console captures
//! (UTF-16LE with BOM, about 30% of the bytes), with a few real issues buried deep.
//!
//! cargo run --release --example gen-corpus -- <out-dir> <size, e.g. 64MiB or 1GiB>
//!
//! With `--bundles N`, the size is shared by N whole host bundles for a fleet scan
//! (`ccdiag scan --hosts <out-dir>`): each `ccdiag-bundle-<host>` holds the example bundle's
//! CloudConnector.ini, module.ini, captures and transcript (its host name changed) beside its
//! log and console capture, and every fourth one is a zip.
//!
//! With `--family console`, half of each host's bytes are UTF-16LE console captures of the
//! shapes that cost a console parser most: a `Get-WinEvent | Format-Table` export with no blank
//! line in it (60% of the captures: over 50 MB per host from a 1 GiB corpus), a
//! `Get-Service | Format-List *` dump, and a transcript of the mixed family's commands.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: deterministic, fast, good enough for picking lines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const HOST_BYTES: u64 = 32 << 20;
/// Hosts of the console family are bigger, so that a 1 GiB corpus has table exports of 50 MB.
const CONSOLE_HOST_BYTES: u64 = 176 << 20;

const LOG_LINES: &[&str] = &[
    "CceService Information: 0 : Reporting status to online for appliance {host}.",
    "CceService Information: 0 : Successfully reported status to online.",
    "CceService Verbose: 0 : Checking appliance health: all monitored services are running.",
    "CceService Information: 0 : Windows Update check completed: no updates to install in this time window.",
    "CceService Verbose: 0 : Heartbeat from {host}: CPU 4%, memory 61%, disk C: 48% free.",
    "CceService Warning: 0 : Status report took 41 seconds; online service answered slowly.",
    "CceService Information: 0 : Bits update check: running version 2.1.0.0 is current.",
];

const EXCEPTION: &str = "CceService Error: 0 : Unexpected exception when checking VM {host}-EDGE1: System.Management.Automation.Remoting.PSRemotingTransportException: Connecting to remote server EDGE1 failed with the following error message : WinRM cannot complete the operation.\r\n ---> System.Net.WebException: The operation has timed out\r\n   at System.Net.HttpWebRequest.GetResponse()\r\n   at Microsoft.Rtc.CCE.ManagementService.HealthChecker.CheckVm(String name)\r\n   --- End of inner exception stack trace ---\r\n   at Microsoft.Rtc.CCE.ManagementService.HealthChecker.Run()";

const CONSOLE_BLOCKS: &[&str] = &[
    "PS C:\\Users\\cceadmin> Get-Service -ComputerName EDGE1 RTC*\r\n\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  RTCDATAPROXY       Skype for Business Server Web Confe...\r\nRunning  RTCMEDIARELAY      Skype for Business Server Audio/Vid...\r\nRunning  RTCMRAUTH          Skype for Business Server Audio/Vid...\r\nRunning  RTCSRV             Skype for Business Server Access Edge\r\n\r\n",
    "PS C:\\Users\\cceadmin> Get-VM\r\n\r\nName          State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version\r\n----          -----   ----------- ----------------- ------           ------             -------\r\n2.1.0.0-CMS   Running 0           4096              12.03:44:10      Operating normally 8.0\r\n2.1.0.0-MS1   Running 1           4096              12.03:44:02      Operating normally 8.0\r\n\r\n",
    "PS C:\\Users\\cceadmin> Get-Item C:\\missing\r\nGet-Item : Cannot find path 'C:\\missing' because it does not exist.\r\nAt line:1 char:1\r\n+ Get-Item C:\\missing\r\n+ ~~~~~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (C:\\missing:String) [Get-Item], ItemNotFoundException\r\n    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand\r\n\r\n",
    "PS C:\\Users\\cceadmin> Get-CcVersion\r\n2.1.0.0\r\nWARNING: The appliance directory is on drive C: with 31 GB free.\r\n",
];

/// Buried issues: (host index, where in the file as a fraction, text).
const LOG_ISSUE: &str = "CceService Error: 0 : Unexpected exception when reporting status to online: System.Management.Automation.RuntimeException: ConvertTo-SecureString : Key not valid for use in specified state.\r\n ---> System.Security.Cryptography.CryptographicException: Key not valid for use in specified state.\r\n   at Microsoft.PowerShell.SecureStringHelper.Unprotect(String input)";
const CONSOLE_ISSUE: &str = "New-PSSession : [admin0a.online.lync.com] Connecting to remote server admin0a.online.lync.com failed with the following\r\nerror message : The WS-Management service cannot process the request. The maximum number of concurrent shells for this u\r\nser has been exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remot\r\ne_Troubleshooting Help topic.\r\n    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotingTransportException\r\n    + FullyQualifiedErrorId : -2144108174,PSSessionOpenFailed\r\n";

fn parse_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        _ => return None,
    };
    Some(n * scale)
}

fn write_log(path: &Path, host: &str, bytes: u64, rng: &mut Rng, issue: bool) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut written = 0u64;
    let issue_at = bytes * 3 / 4;
    let mut issue_done = !issue;
    let mut second = 0u64;
    while written < bytes {
        let line = if rng.next().is_multiple_of(40) { EXCEPTION } else { rng.pick(LOG_LINES) };
        let text = line.replace("{host}", host);
        second += 1 + rng.next() % 5;
        let stamp = format!(
            "    DateTime=2026-11-{:02}T{:02}:{:02}:{:02}.0000000Z",
            1 + (second / 86_400) % 28,
            (second / 3600) % 24,
            (second / 60) % 60,
            second % 60
        );
        for piece in [text.as_str(), "\r\n", stamp.as_str(), "\r\n"] {
            out.write_all(piece.as_bytes())?;
            written += piece.len() as u64;
        }
        if !issue_done && written >= issue_at {
            out.write_all(LOG_ISSUE.as_bytes())?;
            out.write_all(b"\r\n")?;
            written += LOG_ISSUE.len() as u64 + 2;
            issue_done = true;
        }
    }
    out.flush()
}

/// A UTF-16LE file with a BOM, written from text pieces.
struct Utf16File {
    out: BufWriter<File>,
    written: u64,
    units: Vec<u8>,
}

impl Utf16File {
    fn create(path: &Path) -> std::io::Result<Utf16File> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        out.write_all(&[0xFF, 0xFE])?;
        Ok(Utf16File { out, written: 2, units: Vec::new() })
    }

    fn write(&mut self, text: &str) -> std::io::Result<()> {
        self.units.clear();
        self.units.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        self.out.write_all(&self.units)?;
        self.written += self.units.len() as u64;
        Ok(())
    }
}

fn write_console(path: &Path, bytes: u64, rng: &mut Rng, issue: bool) -> std::io::Result<()> {
    let mut out = Utf16File::create(path)?;
    let issue_at = bytes * 2 / 3;
    let mut issue_done = !issue;
    while out.written < bytes {
        let block = if !issue_done && out.written >= issue_at {
            issue_done = true;
            CONSOLE_ISSUE
        } else {
            rng.pick(CONSOLE_BLOCKS)
        };
        out.write(block)?;
    }
    out.out.flush()
}

const TRANSCRIPT_HEADER: &str = "**********************\r\nWindows PowerShell transcript start\r\nStart time: 20261201090000\r\nUsername: CONTOSO\\cceadmin\r\nRunAs User: CONTOSO\\cceadmin\r\nMachine: {host} (Microsoft Windows NT 10.0.14393.0)\r\nHost Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\r\nProcess ID: 4242\r\nPSVersion: 5.1.14393.4583\r\n**********************\r\nTranscript started, output file is C:\\Users\\cceadmin\\Documents\\transcript.txt\r\n";

const EVENT_MESSAGES: &[&str] = &[
    "The system uptime is 1036800 seconds.",
    "The Windows Update service entered the running state.",
    "The time service is now synchronizing the system time with the time source dc1.contoso.local.",
    "The WinRM service is listening for WS-Management requests.",
    "Service Control Manager: The Hyper-V Virtual Machine Management service entered the running state.",
    "The access history in hive \\??\\C:\\Users\\cceadmin\\ntuser.dat was cleared updating 212 keys and creating 18 modified pages.",
];

/// A `Get-WinEvent -LogName System | Format-Table -AutoSize` export: one header, then rows
/// with no blank line between them, messages cut at the console width.
fn write_event_table(path: &Path, bytes: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut out = Utf16File::create(path)?;
    out.write("\r\nTimeCreated             Id LevelDisplayName ProviderName                           Message\r\n-----------             -- ---------------- ------------                           -------\r\n")?;
    let mut second = 0u64;
    while out.written < bytes {
        second += 1 + rng.next() % 90;
        let id = [1, 16, 7036, 6013, 10148, 37][(rng.next() % 6) as usize];
        let row = format!(
            "12/{:02}/2026 {:02}:{:02}:{:02} {:>6} Information      {:<38} {}\r\n",
            1 + (second / 86_400) % 28,
            (second / 3600) % 24,
            (second / 60) % 60,
            second % 60,
            id,
            rng.pick(&[
                "Microsoft-Windows-Kernel-General",
                "Service Control Manager",
                "Microsoft-Windows-Time-Service",
                "Microsoft-Windows-WinRM"
            ]),
            rng.pick(EVENT_MESSAGES),
        );
        out.write(&row)?;
    }
    out.out.flush()
}

/// A `Get-Service | Format-List *` dump: one property list per service, blank lines between.
fn write_service_list(path: &Path, bytes: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut out = Utf16File::create(path)?;
    let names = ["RTCSRV", "RTCMEDSRV", "REPLICA", "RTCDATAPROXY", "WinRM", "W32Time", "Dhcp", "EventLog"];
    while out.written < bytes {
        let name = rng.pick(&names);
        let object = format!(
            "\r\nName                : {name}\r\nRequiredServices    : {{RpcSs, Tcpip}}\r\nCanPauseAndContinue : False\r\nCanShutdown         : False\r\nCanStop             : True\r\nDisplayName         : {name} service\r\nDependentServices   : {{}}\r\nMachineName         : .\r\nServiceName         : {name}\r\nServicesDependedOn  : {{RpcSs, Tcpip}}\r\nServiceHandle       : SafeServiceHandle\r\nStatus              : Running\r\nServiceType         : Win32OwnProcess\r\nStartType           : Automatic\r\nSite                :\r\nContainer           :\r\n"
        );
        out.write(&object)?;
    }
    out.out.flush()
}

/// A transcript of the mixed family's console commands, with the buried issue if asked.
fn write_transcript(path: &Path, host: &str, bytes: u64, rng: &mut Rng, issue: bool) -> std::io::Result<()> {
    let mut out = Utf16File::create(path)?;
    out.write(&TRANSCRIPT_HEADER.replace("{host}", host))?;
    let issue_at = bytes / 2;
    let mut issue_done = !issue;
    while out.written < bytes {
        if !issue_done && out.written >= issue_at {
            issue_done = true;
            out.write("PS C:\\Users\\cceadmin> New-PSSession -ConnectionUri https://admin0a.online.lync.com/OcsPowershellLiveId\r\n")?;
            out.write(CONSOLE_ISSUE)?;
        }
        out.write(rng.pick(CONSOLE_BLOCKS))?;
    }
    out.out.flush()
}

/// The example bundle's files a generated bundle copies, by path; `CCE-HOST01` in them becomes
/// the bundle's host.
const BUNDLE_FILES: &[(&str, &[u8])] = &[
    ("Appliance/CloudConnector.ini", include_bytes!("cce-host-bundle/Appliance/CloudConnector.ini")),
    ("ProgramData/CloudConnector/module.ini", include_bytes!("cce-host-bundle/ProgramData/CloudConnector/module.ini")),
    ("cmdlets/Get-CcVersion.txt", include_bytes!("cce-host-bundle/cmdlets/Get-CcVersion.txt")),
    ("cmdlets/Get-VMNetworkAdapter.txt", include_bytes!("cce-host-bundle/cmdlets/Get-VMNetworkAdapter.txt")),
    (
        "transcripts/PowerShell_transcript.CCE-HOST01.20261118093012.txt",
        include_bytes!("cce-host-bundle/transcripts/PowerShell_transcript.CCE-HOST01.20261118093012.txt"),
    ),
];

/// The example bundle's files under `dir`, for `host`.
fn write_bundle_files(dir: &Path, host: &str) -> std::io::Result<()> {
    for (path, bytes) in BUNDLE_FILES {
        let target = dir.join(path.replace("CCE-HOST01", host));
        fs::create_dir_all(target.parent().unwrap_or(dir))?;
        // Only the ASCII transcript names the host; the UTF-16 captures are copied as they are.
        match std::str::from_utf8(bytes) {
            Ok(text) => fs::write(target, text.replace("CCE-HOST01", host))?,
            Err(_) => fs::write(target, bytes)?,
        }
    }
    Ok(())
}

/// The folder as a zip beside it, and the folder removed.
fn zip_folder(dir: &Path) -> std::io::Result<()> {
    let mut zip_name = dir.as_os_str().to_owned();
    zip_name.push(".zip");
    let mut writer = zip::ZipWriter::new(File::create(zip_name)?);
    let mut files = vec![dir.to_path_buf()];
    let mut entries = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(fs::read_dir(&path)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>()?);
        } else {
            entries.push(path);
        }
    }
    entries.sort();
    for path in entries {
        let name = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        writer.start_file(name, zip::write::SimpleFileOptions::default()).map_err(std::io::Error::other)?;
        writer.write_all(&fs::read(&path)?)?;
    }
    writer.finish().map_err(std::io::Error::other)?;
    fs::remove_dir_all(dir)
}

const USAGE: &str = "usage: gen-corpus <out-dir> <size such as 64MiB or 1GiB> [--bundles N] [--family mixed|console]";

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out_dir), Some(size)) = (args.get(1), args.get(2).and_then(|s| parse_size(s))) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let mut bundles = None;
    let mut console_family = false;
    let mut options = args[3..].iter();
    while let Some(option) = options.next() {
        match (option.as_str(), options.next().map(String::as_str)) {
            ("--bundles", Some(n)) if n.parse::<u64>().is_ok_and(|n| n > 0) => bundles = n.parse().ok(),
            ("--family", Some("mixed")) => console_family = false,
            ("--family", Some("console")) => console_family = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let host_bytes = if console_family { CONSOLE_HOST_BYTES } else { HOST_BYTES };
    let hosts = bundles.unwrap_or_else(|| size.div_ceil(host_bytes).max(1));
    let per_host = size / hosts;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for index in 0..hosts {
        let host = format!("CCE-HOST{index:03}");
        let dir = match bundles {
            Some(_) => Path::new(out_dir).join(format!("ccdiag-bundle-{host}-20261205")),
            None => Path::new(out_dir).join(&host),
        };
        fs::create_dir_all(&dir)?;
        // Issues are buried in every seventh host, the first among them.
        let buried = index.is_multiple_of(7);
        if console_family {
            // Half log; of the captures, 60% event table, 20% property lists, 20% transcript.
            let console = per_host / 2;
            write_log(&dir.join("CceManagementService.log"), &host, per_host - console, &mut rng, buried)?;
            write_event_table(&dir.join("Get-WinEvent-System.txt"), console * 6 / 10, &mut rng)?;
            write_service_list(&dir.join("Get-Service-list.txt"), console * 2 / 10, &mut rng)?;
            write_transcript(&dir.join("PowerShell_transcript.txt"), &host, console * 2 / 10, &mut rng, buried)?;
        } else {
            // About 70% log, 30% UTF-16 console capture.
            write_log(&dir.join("CceManagementService.log"), &host, per_host * 7 / 10, &mut rng, buried)?;
            write_console(&dir.join("console.txt"), per_host * 3 / 10, &mut rng, buried)?;
        }
        if bundles.is_some() {
            write_bundle_files(&dir, &host)?;
            if index % 4 == 3 {
                zip_folder(&dir)?;
            }
        }
    }
    println!("{hosts} hosts, {} bytes in {out_dir}", hosts * per_host);
    Ok(())
}
