//! The console parser on captures as hosts write them.

use super::*;

fn kinds(parsed: &Parsed) -> Vec<RecordKind> {
    parsed.records.iter().map(|r| r.kind).collect()
}

fn only(parsed: &Parsed, kind: RecordKind) -> Vec<&Record> {
    parsed.records.iter().filter(|r| r.kind == kind).collect()
}

#[test]
fn windows_powershell_module_not_found() {
    let text = [
        "Import-Module : The specified module 'CloudConnector' was not loaded because no valid module file was found in any",
        "module directory.",
        "At line:1 char:1",
        "+ Import-Module CloudConnector",
        "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException",
        "    + FullyQualifiedErrorId : Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
        "",
    ]
    .join("\r\n");
    let parsed = parse(&text, Some("Import-Module"));
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(r.get("command"), Some("Import-Module"));
    assert_eq!(
        r.get("message"),
        Some(
            "The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory."
        )
    );
    assert_eq!(r.get("position"), Some("At line:1 char:1"));
    assert_eq!(
        r.get("category_info"),
        Some("ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException")
    );
    assert_eq!(
        r.get("fully_qualified_error_id"),
        Some("Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand")
    );
    assert_eq!(r.get("exception"), Some("FileNotFoundException"));
    assert_eq!(r.get("target"), Some("CloudConnector"));
    assert_eq!(r.get("category"), Some("ResourceUnavailable"));
    assert_eq!(r.get("error_id"), Some("Modules_ModuleNotFound"));
    assert_eq!(r.get("producer"), Some("Import-Module"));
    assert_eq!(r.get("script"), None);
    assert_eq!(r.get("computer"), None);
    assert_eq!((r.span.first_line, r.span.last_line), (1, 7));
    assert_eq!(r.span.bytes.start, 0);
    assert!(text[..r.span.bytes.end].ends_with("ImportModuleCommand"));
}

#[test]
fn convertto_securestring_in_a_module_script() {
    let text = [
        "ConvertTo-SecureString : Key not valid for use in specified state.",
        "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1:681 char:14",
        "+ ...   $secure = ConvertTo-SecureString -String $encrypted",
        "+                 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : InvalidArgument: (:) [ConvertTo-SecureString], CryptographicException",
        "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(r.get("command"), Some("ConvertTo-SecureString"));
    assert_eq!(r.get("message"), Some("Key not valid for use in specified state."));
    assert_eq!(r.get("exception"), Some("CryptographicException"));
    assert_eq!(r.get("target"), None);
    assert_eq!(r.get("error_id"), Some("ImportSecureString_InvalidArgument_CryptographicError"));
    assert_eq!(r.get("script"), Some("MtHostCommon.ps1"));
    assert_eq!(r.get("script_line"), Some("681"));
    assert_eq!(
        r.get("script_path"),
        Some("C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1")
    );
    assert_eq!(r.get("producer"), None);
    assert_eq!((r.span.first_line, r.span.last_line), (1, 6));
}

const SHELLS_MESSAGE: &str = "[admin.vdomain.com] Connecting to remote server admin.vdomain.com failed with the following error message : The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remote_Troubleshooting Help topic.";

#[test]
fn remote_session_error_hard_wrapped_at_120_columns() {
    let text = [
        "PS C:\\> is not part of this output",
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
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::Text, RecordKind::PsError]);
    let r = &parsed.records[1];
    assert_eq!(r.get("command"), Some("New-PSSession"));
    assert_eq!(r.get("message"), Some(SHELLS_MESSAGE));
    assert_eq!(
        r.get("category_info"),
        Some(
            "OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotingTransportException"
        )
    );
    assert_eq!(r.get("exception"), Some("PSRemotingTransportException"));
    assert_eq!(r.get("target"), Some("System.Manageme....RemoteRunspace"));
    assert_eq!(r.get("fully_qualified_error_id"), Some("-2144108174,PSSessionOpenFailed"));
    assert_eq!(r.get("error_id"), Some("-2144108174"));
    assert_eq!(r.get("computer"), Some("admin.vdomain.com"));
    assert_eq!(r.get("position"), Some("At line:1 char:6"));
    assert_eq!((r.span.first_line, r.span.last_line), (2, 11));
}

#[test]
fn unwrapped_output_undoes_the_label_chunking() {
    // Redirected at an 80-column width: the message is one line, the label carries the
    // error view's four-space seams.
    let text = [
        &format!("New-PSSession : {SHELLS_MESSAGE}"),
        "At line:1 char:6",
        "+ $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
        "+      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession],     PSRemotingTransportException",
        "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_Cryptographic    Error,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    let r = &parsed.records[0];
    assert_eq!(r.get("message"), Some(SHELLS_MESSAGE));
    assert_eq!(
        r.get("category_info"),
        Some(
            "OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotingTransportException"
        )
    );
    assert_eq!(
        r.get("fully_qualified_error_id"),
        Some(
            "ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"
        )
    );
}

#[test]
fn german_record_with_script_position() {
    let text = [
        "Import-Module : Das angegebene Modul \"CloudConnector\" wurde nicht geladen, da in keinem Modulverzeichnis eine gültige",
        "Moduldatei gefunden wurde.",
        "In C:\\Skripte\\Deploy-Cce.ps1:12 Zeichen:5",
        "+     Import-Module CloudConnector",
        "+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException",
        "    + FullyQualifiedErrorId : Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(
        r.get("message"),
        Some(
            "Das angegebene Modul \"CloudConnector\" wurde nicht geladen, da in keinem Modulverzeichnis eine gültige Moduldatei gefunden wurde."
        )
    );
    assert_eq!(r.get("position"), Some("In C:\\Skripte\\Deploy-Cce.ps1:12 Zeichen:5"));
    assert_eq!(r.get("script"), Some("Deploy-Cce.ps1"));
    assert_eq!(r.get("script_line"), Some("12"));
    assert_eq!(r.get("error_id"), Some("Modules_ModuleNotFound"));
}

#[test]
fn localized_position_lines() {
    for position in
        ["In Zeile:1 Zeichen:1", "Au caractère C:\\x.ps1:12 : 5", "発生場所 行:1 文字:1", "En línea: 1 Carácter: 1"]
    {
        let text = [
            "Get-CcRunningVersion : message",
            position,
            "+ Get-CcRunningVersion",
            "+ ~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
            "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Get-CcRunningVersion",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError], "{position}");
        assert_eq!(parsed.records[0].get("position"), Some(position));
        assert_eq!(parsed.records[0].get("message"), Some("message"));
    }
}

#[test]
fn records_without_a_command_prefix() {
    let text = [
        "C:\\Scripts\\Check-Cce.ps1 : The CMS VM is not running",
        "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
        "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Check-Cce.ps1",
        "",
        "Cannot find path 'C:\\nope' because it does not exist.",
        "    + CategoryInfo          : ObjectNotFound: (C:\\nope:String) [Get-Item], ItemNotFoundException",
        "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
        "    + PSComputerName        : CCE-HOST01",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsError]);
    let script = &parsed.records[0];
    assert_eq!(script.get("command"), Some("C:\\Scripts\\Check-Cce.ps1"));
    assert_eq!(script.get("message"), Some("The CMS VM is not running"));
    assert_eq!(script.get("exception"), Some("WriteErrorException"));
    let remote = &parsed.records[1];
    // No `Cmd :` prefix: CategoryInfo names the cmdlet.
    assert_eq!(remote.get("command"), Some("Get-Item"));
    assert_eq!(remote.get("message"), Some("Cannot find path 'C:\\nope' because it does not exist."));
    assert_eq!(remote.get("target"), Some("C:\\nope"));
    assert_eq!(remote.get("computer"), Some("CCE-HOST01"));
    assert_eq!(remote.get("error_id"), Some("PathNotFound"));
    assert_eq!((remote.span.first_line, remote.span.last_line), (5, 8));
}

#[test]
fn output_glued_to_an_error_stays_text() {
    let text = [
        "2.1.0.0",
        "Stop-CsWindowsService : The term 'Stop-CsWindowsService' is not recognized as the name of a cmdlet, function, script",
        "file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct",
        "and try again.",
        "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\CcUpdate.ps1:120 char:9",
        "+         Stop-CsWindowsService -ComputerName $computer",
        "+         ~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : ObjectNotFound: (Stop-CsWindowsService:String) [], CommandNotFoundException",
        "    + FullyQualifiedErrorId : CommandNotFoundException",
    ]
    .join("\n");
    let parsed = parse(&text, Some("Enter-CcUpdate"));
    assert_eq!(kinds(&parsed), [RecordKind::Text, RecordKind::PsError]);
    assert_eq!(parsed.records[0].get("line"), Some("2.1.0.0"));
    let r = &parsed.records[1];
    assert_eq!(r.get("command"), Some("Stop-CsWindowsService"));
    assert_eq!(
        r.get("message"),
        Some(
            "The term 'Stop-CsWindowsService' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        )
    );
    assert_eq!(r.get("target"), Some("Stop-CsWindowsService"));
    assert_eq!(r.get("exception"), Some("CommandNotFoundException"));
    assert_eq!(r.get("error_id"), Some("CommandNotFoundException"));
    assert_eq!(r.get("script"), Some("CcUpdate.ps1"));
    assert_eq!(r.get("script_line"), Some("120"));
}

#[test]
fn error_with_position_but_no_labels() {
    let text = [
        "ForEach-Object : The property 'Common' cannot be found on this object. Verify that the property exists.",
        "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1:681 char:14",
        "+ ... $config | ForEach-Object { $_.Common }",
        "+              ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "",
        "done",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::Text]);
    let r = &parsed.records[0];
    assert_eq!(r.get("command"), Some("ForEach-Object"));
    assert_eq!(r.get("script_line"), Some("681"));
    assert_eq!(r.get("category_info"), None);
    assert_eq!((r.span.first_line, r.span.last_line), (1, 4));
}

#[test]
fn lone_command_error_line_is_an_error_not_an_object() {
    let text = "Get-CsWebTicket : Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers.\n\nName : CMS\n";
    let parsed = parse(text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsObject]);
    assert_eq!(parsed.records[0].get("command"), Some("Get-CsWebTicket"));
    assert_eq!(
        parsed.records[0].get("message"),
        Some(
            "Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers."
        )
    );
    assert_eq!(parsed.records[1].get("Name"), Some("CMS"));
}

#[test]
fn powershell_7_concise_errors() {
    let text = [
        "Import-Module: The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory.",
        "",
        "Get-Item: C:\\Scripts\\Collect.ps1:3",
        "Line |",
        "   3 |  Get-Item C:\\nope",
        "     |  ~~~~~~~~~~~~~~~~",
        "     | Cannot find path 'C:\\nope' because it does not exist.",
        "\u{1b}[31;1mRegister-CcAppliance: \u{1b}[31;1mCannot register appliance because your current input/configuration conflicts.\u{1b}[0m",
        "Note: not an error",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsError, RecordKind::PsError, RecordKind::Text]);
    let first = &parsed.records[0];
    assert_eq!(first.get("command"), Some("Import-Module"));
    assert_eq!(
        first.get("message"),
        Some(
            "The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory."
        )
    );
    let block = &parsed.records[1];
    assert_eq!(block.get("command"), Some("Get-Item"));
    assert_eq!(block.get("message"), Some("Cannot find path 'C:\\nope' because it does not exist."));
    assert_eq!(block.get("position"), Some("C:\\Scripts\\Collect.ps1:3"));
    assert_eq!(block.get("script"), Some("Collect.ps1"));
    assert_eq!(block.get("script_line"), Some("3"));
    assert_eq!((block.span.first_line, block.span.last_line), (3, 7));
    let coloured = &parsed.records[2];
    assert_eq!(coloured.get("command"), Some("Register-CcAppliance"));
    assert_eq!(
        coloured.get("message"),
        Some("Cannot register appliance because your current input/configuration conflicts.")
    );
    assert_eq!(parsed.records[3].get("line"), Some("Note: not an error"));
}

#[test]
fn warnings_and_other_streams() {
    let text = [
        "WARNING: The names of some imported commands from the module 'tmp_1ohk4ipz.3no' include unapproved verbs that might make",
        " them less discoverable. To find the commands with unapproved verbs, run the Import-Module command again with the Verbos",
        "e parameter. For a list of approved verbs, type Get-Verb.",
        "WARNING: Windows automatic updating is not enabled. To ensure that your",
        "newly-installed role or feature is automatically updated, turn on Windows Update.",
        "WARNING: short one",
        "2.1.0.0",
        "VERBOSE: Loading module from path 'C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psd1'.",
        "DEBUG: entering Get-CcVersion",
        "WARNUNG: Ein Neustart ist erforderlich.",
    ]
    .join("\n");
    let parsed = parse(&text, Some("Import-PSSession"));
    assert_eq!(
        kinds(&parsed),
        [
            RecordKind::PsWarning,
            RecordKind::PsWarning,
            RecordKind::PsWarning,
            RecordKind::Text,
            RecordKind::Text,
            RecordKind::Text,
            RecordKind::PsWarning
        ]
    );
    let w = only(&parsed, RecordKind::PsWarning);
    assert_eq!(
        w[0].get("message"),
        Some(
            "The names of some imported commands from the module 'tmp_1ohk4ipz.3no' include unapproved verbs that might make them less discoverable. To find the commands with unapproved verbs, run the Import-Module command again with the Verbose parameter. For a list of approved verbs, type Get-Verb."
        )
    );
    assert_eq!((w[0].span.first_line, w[0].span.last_line), (1, 3));
    assert_eq!(
        w[1].get("message"),
        Some(
            "Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is automatically updated, turn on Windows Update."
        )
    );
    assert_eq!(w[2].get("message"), Some("short one"));
    assert_eq!(w[2].get("producer"), Some("Import-PSSession"));
    assert_eq!(w[3].get("message"), Some("Ein Neustart ist erforderlich."));
    let t = only(&parsed, RecordKind::Text);
    assert_eq!(t[0].get("line"), Some("2.1.0.0"));
    assert_eq!(t[0].get("stream"), None);
    assert_eq!(t[1].get("stream"), Some("verbose"));
    assert_eq!(t[2].get("stream"), Some("debug"));
    assert_eq!(t[2].get("line"), Some("DEBUG: entering Get-CcVersion"));
}

#[test]
fn format_list_objects_with_wrapped_lists() {
    let text = [
        "",
        "Name              : CloudConnector",
        "Path              : C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psd1",
        "Description       : ",
        "ModuleType        : Manifest",
        "Version           : 2.1.0.0",
        "InstallPaths      : {C:\\Program Files\\Skype for Business Cloud Connector Edition, C:\\ProgramData\\CloudConnector,",
        "                    C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector...}",
        "ExportedFunctions : {Disable-CcUpdate, Enable-CcUpdate, Enter-CcUpdate, Exit-CcUpdate...}",
        "",
        "Name    : msoidsvc",
        "Status  : Stopped",
        "",
    ]
    .join("\n");
    let parsed = parse(&text, Some("Get-Module"));
    assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
    let m = &parsed.records[0];
    assert_eq!(m.get("Name"), Some("CloudConnector"));
    assert_eq!(m.get("Description"), Some(""));
    assert_eq!(m.get("Version"), Some("2.1.0.0"));
    assert_eq!(
        m.get("InstallPaths"),
        Some(
            "{C:\\Program Files\\Skype for Business Cloud Connector Edition, C:\\ProgramData\\CloudConnector, C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector...}"
        )
    );
    assert_eq!(
        m.get("ExportedFunctions"),
        Some("{Disable-CcUpdate, Enable-CcUpdate, Enter-CcUpdate, Exit-CcUpdate...}")
    );
    assert_eq!(m.get("producer"), Some("Get-Module"));
    assert_eq!((m.span.first_line, m.span.last_line), (2, 9));
    let property_names: Vec<&str> = m.fields.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(
        property_names,
        ["Name", "Path", "Description", "ModuleType", "Version", "InstallPaths", "ExportedFunctions", "producer"]
    );
    assert_eq!(parsed.records[1].get("Status"), Some("Stopped"));
}

#[test]
fn format_table_rows() {
    let text = [
        "",
        "Status   Name               DisplayName",
        "------   ----               -----------",
        "Running  REPLICA            Skype for Business Replica Replicator...",
        "Stopped  RTCSRV             Skype for Business Server Front-End",
        "",
    ]
    .join("\n");
    let parsed = parse(&text, Some("Get-Service"));
    assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
    let r = &parsed.records[0];
    assert_eq!(r.get("Status"), Some("Running"));
    assert_eq!(r.get("Name"), Some("REPLICA"));
    assert_eq!(r.get("DisplayName"), Some("Skype for Business Replica Replicator..."));
    assert_eq!(r.get("producer"), Some("Get-Service"));
    assert_eq!((r.span.first_line, r.span.last_line), (4, 4));
    assert_eq!(parsed.records[1].get("DisplayName"), Some("Skype for Business Server Front-End"));
}

#[test]
fn format_table_with_overflowing_cells() {
    let text = [
        "Name                            State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version",
        "----                            -----   ----------- ----------------- ------           ------             -------",
        "2.1.0.0-CMS                     Running 0           4096              12.03:44:10.1230000 Operating normally 8.0",
        "2.1.0.0-AD                      Off     0           0                 00:00:00         Operating normally 8.0",
    ]
    .join("\n");
    let parsed = parse(&text, Some("Get-VM"));
    assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
    let cms = &parsed.records[0];
    let values: Vec<&str> = cms.fields.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        values,
        ["2.1.0.0-CMS", "Running", "0", "4096", "12.03:44:10.1230000", "Operating normally", "8.0", "Get-VM"]
    );
    assert_eq!(cms.get("MemoryAssigned(M)"), Some("4096"));
    assert_eq!(parsed.records[1].get("State"), Some("Off"));
    assert_eq!(parsed.records[1].get("Uptime"), Some("00:00:00"));
    assert_eq!(parsed.records[1].get("Version"), Some("8.0"));
}

#[test]
fn format_table_with_right_aligned_numbers() {
    let text = [
        "Handles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName",
        "-------  ------    -----      -----     ------     --  -- -----------",
        "    532      27    61532      71228       1.45   4312   1 powershell",
        "   1043      40    20136      33880      12.31    876   0 svchost",
        "",
        "Name            IsManagementOs VMName       SwitchName             MacAddress   Status IPAddresses",
        "----            -------------- ------       ----------             ----------   ------ -----------",
        "Network Adapter False          2.1.0.0-CMS  SfB CCE Corpnet Switch 00155D0A1B01 {Ok}   {192.168.213.3, fe80::5d1:9b2c:a1f0:1c7e}",
        "Network Adapter False          2.1.0.0-Edge SfB CCE Internet Switc… 00155D0A1B03 {Ok}   {172.16.0.10, 172.16.0.11, fe80::2d3e:4f5a:6b7c:8d9e...}",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsObject; 4]);
    let p = &parsed.records[0];
    let values: Vec<&str> = p.fields.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values, ["532", "27", "61532", "71228", "1.45", "4312", "1", "powershell"]);
    assert_eq!(parsed.records[1].get("Id"), Some("876"));
    let nic = &parsed.records[2];
    assert_eq!(nic.get("Name"), Some("Network Adapter"));
    assert_eq!(nic.get("VMName"), Some("2.1.0.0-CMS"));
    assert_eq!(nic.get("SwitchName"), Some("SfB CCE Corpnet Switch"));
    assert_eq!(nic.get("IPAddresses"), Some("{192.168.213.3, fe80::5d1:9b2c:a1f0:1c7e}"));
    let edge = &parsed.records[3];
    assert_eq!(edge.get("SwitchName"), Some("SfB CCE Internet Switc…"));
    assert_eq!(edge.get("MacAddress"), Some("00155D0A1B03"));
    assert_eq!(edge.get("IPAddresses"), Some("{172.16.0.10, 172.16.0.11, fe80::2d3e:4f5a:6b7c:8d9e...}"));
}

#[test]
fn a_mixed_console_capture() {
    let text = [
        "2.1.0.0",
        "",
        "Status   Name               DisplayName",
        "------   ----               -----------",
        "Stopped  msoidsvc           Microsoft Online Services Sign-in A...",
        "",
        "WARNING: The Cloud Connector Management Service is not running.",
        "Get-CsWebTicket : Logon failed for the user 'kenmyer@litwareinc.com'. Please create a new PSCredential object, making",
        "sure that you have used the correct user name and password.",
        "At C:\\Program Files\\Common Files\\Skype for Business Online\\Modules\\SkypeOnlineConnector\\SkypeOnlineConnectorStartup.psm1:149",
        " char:18",
        "+ ...   $webTicket = Get-CsWebTicket -Credential $Credential",
        "+                   ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : AuthenticationError: (:) [Get-CsWebTicket], WebTicketException",
        "    + FullyQualifiedErrorId : LogonFailed,Microsoft.Rtc.Management.Hosted.WebTicket.GetWebTicketCmdlet",
        "",
        "Release : 461814",
        "",
        "just a line",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(
        kinds(&parsed),
        [
            RecordKind::Text,
            RecordKind::PsObject,
            RecordKind::PsWarning,
            RecordKind::PsError,
            RecordKind::PsObject,
            RecordKind::Text
        ]
    );
    assert_eq!(parsed.records[1].get("DisplayName"), Some("Microsoft Online Services Sign-in A..."));
    let e = &parsed.records[3];
    assert_eq!(e.get("command"), Some("Get-CsWebTicket"));
    assert_eq!(
        e.get("message"),
        Some(
            "Logon failed for the user 'kenmyer@litwareinc.com'. Please create a new PSCredential object, making sure that you have used the correct user name and password."
        )
    );
    assert_eq!(
        e.get("position"),
        Some(
            "At C:\\Program Files\\Common Files\\Skype for Business Online\\Modules\\SkypeOnlineConnector\\SkypeOnlineConnectorStartup.psm1:149 char:18"
        )
    );
    assert_eq!(e.get("script"), Some("SkypeOnlineConnectorStartup.psm1"));
    assert_eq!(e.get("script_line"), Some("149"));
    assert_eq!(e.get("error_id"), Some("LogonFailed"));
    assert_eq!((e.span.first_line, e.span.last_line), (8, 15));
    assert_eq!(parsed.records[4].get("Release"), Some("461814"));
    assert_eq!(parsed.records[5].get("line"), Some("just a line"));
}

#[test]
fn nothing_is_dropped_and_nothing_panics() {
    let samples = [
        "+",
        "+ CategoryInfo",
        "    + CategoryInfo          :",
        "x\n    + FullyQualifiedErrorId : a\n   b",
        "---\n",
        "a\n-- --\n\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        "Name :",
        "Get-Item:\nLine |\n 1 |",
        "WARNING:",
        " : ",
        "ÄÖÜ : ß\n        ü",
    ];
    for sample in ["\u{1b}[", "\u{1b}]8;;x\u{1b}", "\u{1b}[31m\u{1b}"] {
        // Colour codes alone are a blank line once stripped.
        assert!(parse(sample, None).records.is_empty());
    }
    for sample in samples {
        let parsed = parse(sample, None);
        let non_blank = sample.lines().filter(|l| !l.trim().is_empty()).count();
        let covered: u32 = parsed.records.iter().map(|r| r.span.last_line - r.span.first_line + 1).sum();
        assert!(covered as usize >= non_blank.min(1), "{sample:?}");
    }
}

#[test]
fn huge_lines_stay_linear() {
    let long = "x".repeat(20_000_000);
    let parsed = parse(&long, None);
    assert_eq!(kinds(&parsed), [RecordKind::Text]);
    let many = "Name : v : w\n    + CategoryInfo : x\n".repeat(50_000);
    let parsed = parse(&many, None);
    assert!(!parsed.records.is_empty());
    let table = format!("{}\n{}\n{}\n", "H".repeat(5_000_000), "- ".repeat(2_000_000), "v".repeat(5_000_000));
    assert_eq!(parse(&table, None).records.len(), 3);
    let wide = format!("Name Value\n---- -----\nx    {}\n", "y".repeat(5_000_000));
    assert_eq!(parse(&wide, None).records[0].get("Value").map(str::len), Some(5_000_000));
    let spaces = format!("a\n{}\n", " ".repeat(5_000_000));
    assert_eq!(parse(&spaces, None).records.len(), 1);
}

/// `Format-List` as Windows PowerShell lays out an ErrorRecord outside en-US: names padded to
/// the longest (`PipelineIterationInfo`), each line of a value cut at `width` cells wherever it
/// falls (a wide character that does not fit in the last cell goes to the next line), and
/// continuation lines indented to the value column.
fn listed(properties: &[(&str, &str)], width: usize) -> String {
    let column = "PipelineIterationInfo : ".len();
    let mut out = vec![String::new(), String::new()];
    for (name, value) in properties {
        let mut line = format!("{name:<21} : ");
        let mut used = column;
        for (k, value_line) in value.split('\n').enumerate() {
            if k > 0 {
                out.push(std::mem::replace(&mut line, " ".repeat(column)));
                used = column;
            }
            for c in value_line.chars() {
                let cell = if line::is_wide(c) { 2 } else { 1 };
                if used + cell > width {
                    out.push(std::mem::replace(&mut line, " ".repeat(column)));
                    used = column;
                }
                line.push(c);
                used += cell;
            }
        }
        out.push(line);
    }
    out.extend([String::new(), String::new()]);
    out.join("\r\n")
}

#[test]
fn an_error_record_listed_by_format_list_force() {
    let text = listed(
        &[
            ("PSMessageDetails", ""),
            (
                "Exception",
                "System.Security.Cryptography.CryptographicException: Key not valid for use in specified state.\n\n   at System.Security.Cryptography.ProtectedData.Unprotect(Byte[] encryptedData, Byte[] optionalEntropy, DataProtectionScope scope)\n   at Microsoft.PowerShell.Commands.ConvertToSecureStringCommand.ProcessRecord()",
            ),
            ("TargetObject", ""),
            ("CategoryInfo", "InvalidArgument: (:) [ConvertTo-SecureString], CryptographicException"),
            (
                "FullyQualifiedErrorId",
                "ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
            ),
            ("ErrorDetails", ""),
            ("InvocationInfo", "System.Management.Automation.InvocationInfo"),
            (
                "ScriptStackTrace",
                "at Get-CcCredential, C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psm1: line 388\nat <ScriptBlock>, <No file>: line 1",
            ),
            ("PipelineIterationInfo", "{0, 1}"),
        ],
        120,
    );
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError], "one error record, no object beside it");
    let r = &parsed.records[0];
    assert_eq!(r.get("message"), Some("Key not valid for use in specified state."));
    assert_eq!(r.get("command"), Some("ConvertTo-SecureString"));
    assert_eq!(r.get("exception"), Some("CryptographicException"));
    assert_eq!(
        r.get("fully_qualified_error_id"),
        Some(
            "ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"
        ),
        "rejoined where the formatter cut it"
    );
    assert_eq!(r.get("error_id"), Some("ImportSecureString_InvalidArgument_CryptographicError"));
    assert_eq!(r.get("target"), None);
    assert_eq!(r.get("script"), Some("CloudConnector.psm1"), "the innermost frame of the ScriptStackTrace");
    assert_eq!(r.get("script_line"), Some("388"));
    assert_eq!(
        r.get("script_path"),
        Some("C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psm1")
    );
    assert_eq!(r.get("PSMessageDetails"), None, "not an object's property");
    assert_eq!((r.span.first_line, r.span.last_line), (3, 18));
}

#[test]
fn a_listed_error_wrapped_at_word_boundaries() {
    // en-US wraps listed values between words; a message line break and the stack trace
    // frames keep their own indentation.
    let text = [
        "PSMessageDetails      : ",
        "Exception             : Microsoft.HyperV.PowerShell.VirtualizationException: Failed while removing virtual Ethernet",
        "                        switch.",
        "                        The virtual switch 'Cloud Connector Management Switch' cannot be deleted because it is",
        "                        being used by running virtual machines or assigned to child pools.",
        "                           at Microsoft.HyperV.PowerShell.VirtualizationOperation.Wait()",
        "TargetObject          : Cloud Connector Management Switch",
        "CategoryInfo          : ResourceBusy: (Microsoft.HyperV.PowerShell.VMSwitch:VMSwitch) [Remove-VMSwitch],",
        "                        VirtualizationException",
        "FullyQualifiedErrorId : ResourceBusy,Microsoft.HyperV.PowerShell.Commands.RemoveVMSwitchCommand",
        "ErrorDetails          : ",
        "InvocationInfo        : System.Management.Automation.InvocationInfo",
        "ScriptStackTrace      : at <ScriptBlock>, <No file>: line 1",
        "PipelineIterationInfo : {}",
    ]
    .join("\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(
        r.get("message"),
        Some(
            "Failed while removing virtual Ethernet switch. The virtual switch 'Cloud Connector Management Switch' cannot be deleted because it is being used by running virtual machines or assigned to child pools."
        )
    );
    assert_eq!(r.get("command"), Some("Remove-VMSwitch"));
    assert_eq!(r.get("exception"), Some("VirtualizationException"));
    assert_eq!(r.get("target"), Some("Cloud Connector Management Switch"), "TargetObject, not CategoryInfo's type");
    assert_eq!(r.get("error_id"), Some("ResourceBusy"));
    assert_eq!(r.get("script"), None, "typed at the prompt");
}

#[test]
fn a_japanese_remote_error_listed_and_cut_at_120_cells() {
    let message = "Logon failed for the user 'sato.k@cohovineyard.jp'. Please create a new PSCredential object, making sure that you have used the correct user name and password.";
    let render = |details: &str| {
        listed(
            &[
                ("PSMessageDetails", ""),
                ("OriginInfo", "admin1a.online.lync.com"),
                (
                    "Exception",
                    ("System.Management.Automation.RemoteException: このシステムではスクリプトの実行が無効になっているため、ファイル C:\\xy\\LyncOnlineConnectorStartup.psm1 を読み込むことができません。詳細については、about_Execution_Policies を参照してください。 ---> System.UnauthorizedAccessException: 内部\n   場所 System.Management.Automation.AuthorizationManager.ShouldRunInternal(CommandInfo commandInfo, CommandOrigin origin, PSHost host)"),
                ),
                ("TargetObject", ""),
                ("CategoryInfo", "セキュリティ エラー\u{ff1a} (: ) [Import-Module]、PSSecurityException"),
                ("FullyQualifiedErrorId", "UnauthorizedAccess,Microsoft.PowerShell.Commands.ImportModuleCommand"),
                ("ErrorDetails", details),
                ("InvocationInfo", "System.Management.Automation.InvocationInfo"),
                (
                    "ScriptStackTrace",
                    "場所 New-CsOnlineSession、C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules\\LyncOnlineConnector\\LyncOnlineConnectorStartup.psm1: 行 58\n場所 <ScriptBlock>、<ファイルなし>: 行 1",
                ),
                ("PipelineIterationInfo", "{}"),
            ],
            120,
        )
    };
    let text = render(message);
    assert!(text.lines().any(|l| line::cells(l) == 119), "a wide character was pushed to the next line");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(r.get("message"), Some(message), "ErrorDetails stands for the message, as in the default view");
    assert_eq!(r.get("computer"), Some("admin1a.online.lync.com"));
    assert_eq!(r.get("command"), Some("Import-Module"));
    assert_eq!(r.get("exception"), Some("PSSecurityException"));
    assert_eq!(r.get("category"), Some("セキュリティ エラー"));
    assert_eq!(r.get("error_id"), Some("UnauthorizedAccess"));
    assert_eq!(r.get("script"), Some("LyncOnlineConnectorStartup.psm1"));
    assert_eq!(r.get("script_line"), Some("58"));

    // Without ErrorDetails the message is the exception's own, its inner exception and its
    // stack trace left out, the lines cut at 120 cells rejoined as written.
    let r = &parse(&render(""), None).records[0];
    assert_eq!(
        r.get("message"),
        Some(
            "このシステムではスクリプトの実行が無効になっているため、ファイル C:\\xy\\LyncOnlineConnectorStartup.psm1 を読み込むことができません。詳細については、about_Execution_Policies を参照してください。"
        )
    );
}

#[test]
fn an_object_with_an_exception_property_stays_an_object() {
    let text = [
        "TimeCreated           : 2026-11-30 10:00:00",
        "Exception             : System.Exception: boom",
        "CategoryInfo          : NotSpecified: (:) [], Exception",
        "FullyQualifiedErrorId : x",
        "Id                    : 4",
    ]
    .join("\n");
    assert_eq!(kinds(&parse(&text, None)), [RecordKind::PsObject]);
}

#[test]
fn a_console_copy_wraps_labels_at_column_0_and_prompts_stay_out() {
    // Copied from an 80-column window: the host cut every long line at column 80, the
    // label values too, and their rest starts the next line unindented.
    let text = [
        "PS C:\\Users\\dpatel> Import-Module LyncOnlineConnector",
        "Import-Module : File C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Mo",
        "dules\\LyncOnlineConnector\\LyncOnlineConnectorStartup.psm1 cannot be loaded becau",
        "se running scripts is disabled on this system.",
        "At line:1 char:1",
        "+ Import-Module LyncOnlineConnector",
        "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : SecurityError: (:) [Import-Module], PSSecurityExce",
        "ption",
        "    + FullyQualifiedErrorId : UnauthorizedAccess,Microsoft.PowerShell.Commands.I",
        "mportModuleCommand",
        "PS C:\\Users\\dpatel> Enter-CcUpdate",
        "Draining calls on the Mediation Server ...",
        "Cannot find path 'C:\\nope' because it does not exist.",
        "    + CategoryInfo          : ObjectNotFound: (C:\\nope:String) [Get-Item]、ItemNotFoundException",
        "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
    ]
    .join("\r\n");
    let parsed = parse(&text, None);
    assert_eq!(kinds(&parsed), [RecordKind::Text, RecordKind::PsError, RecordKind::Text, RecordKind::PsError]);
    let r = &parsed.records[1];
    assert_eq!(
        r.get("message"),
        Some(
            "File C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules\\LyncOnlineConnector\\LyncOnlineConnectorStartup.psm1 cannot be loaded because running scripts is disabled on this system."
        )
    );
    assert_eq!(r.get("category_info"), Some("SecurityError: (:) [Import-Module], PSSecurityException"));
    assert_eq!(r.get("exception"), Some("PSSecurityException"));
    assert_eq!(
        r.get("fully_qualified_error_id"),
        Some("UnauthorizedAccess,Microsoft.PowerShell.Commands.ImportModuleCommand")
    );
    assert_eq!((r.span.first_line, r.span.last_line), (2, 11));
    assert_eq!(parsed.records[2].get("line"), Some("PS C:\\Users\\dpatel> Enter-CcUpdate"));
    let remote = &parsed.records[3];
    assert_eq!(
        remote.get("message"),
        Some("Draining calls on the Mediation Server ... Cannot find path 'C:\\nope' because it does not exist."),
        "the prompt is not part of the message"
    );
    assert_eq!(remote.get("exception"), Some("ItemNotFoundException"), "a Japanese `]、` separator");
    assert_eq!(remote.get("command"), Some("Get-Item"));
}

#[test]
fn console_cells_and_prompts() {
    assert_eq!(line::cells("abc"), 3);
    assert_eq!(line::cells("用語 'x'"), 8);
    assert_eq!(line::cells("ＡＢ"), 4, "full-width forms");
    for prompt in
        ["PS C:\\Users\\admin> Get-VM", "PS>Get-VM", "[cce-host]: PS C:\\> dir", "PS Cert:\\LocalMachine\\My> dir"]
    {
        assert_eq!(line::classify(prompt), Class::Prompt, "{prompt}");
    }
    for output in ["PS version 5.1 > 3.0", "PSVersion 5.1", "  PS C:\\> indented"] {
        assert_ne!(line::classify(output), Class::Prompt, "{output}");
    }
}

#[test]
fn reg_query_values_are_objects_with_decimal_numbers() {
    let text = [
        "",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full",
        "    Release    REG_DWORD    0x5cbf5",
        "    Install Path    REG_SZ    C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\",
        "    Big    REG_QWORD    0x100000000",
        "    (Default)    REG_SZ",
        "",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Client",
        "",
        "ERROR: The system was unable to find the specified registry key or value.",
    ]
    .join("\r\n");
    let parsed = parse(&text, Some("netfx-release"));
    assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::Text, RecordKind::Text]);
    let key = &parsed.records[0];
    assert_eq!(key.get("Key"), Some("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full"));
    assert_eq!(key.get("Release"), Some("379893"));
    assert_eq!(key.get("Install Path"), Some("C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\"));
    assert_eq!(key.get("Big"), Some("4294967296"));
    assert_eq!(key.get("(Default)"), Some(""));
    assert_eq!(key.get("producer"), Some("reg"), "the layout says who wrote it, whatever the file is called");
    assert_eq!((key.span.first_line, key.span.last_line), (2, 6));
}

#[test]
fn french_records_in_both_layouts() {
    let default_view = [
        "Import-Module : Impossible de charger le fichier C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules\\LyncOnlineConnector\\LyncOnlineConnectorStartup.psm1, car l’exécution de scripts est désactivée sur ce système.",
        "Au caractère Ligne:1 : 1",
        "+ Import-Module LyncOnlineConnector",
        "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : Erreur de sécurité : (:) [Import-Module], PSSecurityException",
        "    + FullyQualifiedErrorId : UnauthorizedAccess,Microsoft.PowerShell.Commands.ImportModuleCommand",
    ]
    .join("\r\n");
    let parsed = parse(&default_view, None);
    assert_eq!(kinds(&parsed), [RecordKind::PsError]);
    let r = &parsed.records[0];
    assert_eq!(r.get("category"), Some("Erreur de sécurité"));
    assert_eq!(r.get("exception"), Some("PSSecurityException"));
    assert_eq!(r.get("command"), Some("Import-Module"));
    assert_eq!(r.get("position"), Some("Au caractère Ligne:1 : 1"));

    let listed_view = listed(
        &[
            ("PSMessageDetails", ""),
            (
                "Exception",
                "System.Management.Automation.PropertyNotFoundException: La propriété « Common » est introuvable.",
            ),
            ("TargetObject", ""),
            ("CategoryInfo", "NotSpecified: (:) [ForEach-Object], PropertyNotFoundException"),
            ("FullyQualifiedErrorId", "PropertyNotFoundStrict,Microsoft.PowerShell.Commands.ForEachObjectCommand"),
            ("ErrorDetails", ""),
            ("InvocationInfo", "System.Management.Automation.InvocationInfo"),
            (
                "ScriptStackTrace",
                "à <ScriptBlock>, C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1 : ligne 681\nà <ScriptBlock>, <Aucun fichier> : ligne 1",
            ),
            ("PipelineIterationInfo", "{}"),
        ],
        120,
    );
    let r = &parse(&listed_view, None).records[0];
    assert_eq!(r.get("script"), Some("MtHostCommon.ps1"));
    assert_eq!(r.get("script_line"), Some("681"));
    assert_eq!(r.get("message"), Some("La propriété « Common » est introuvable."));
}

#[test]
fn the_host_wraps_warnings_one_cell_short_of_the_width() {
    // 106 cells and a 13-letter word make 120: the word would fill a 120-cell buffer to its
    // last cell, which PowerShell's host keeps free, so it went to the next line.
    let text = "WARNING: Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is\r\n\
automatically updated, turn on Windows Update.\r\n";
    let parsed = parse(text, None);
    let w = only(&parsed, RecordKind::PsWarning);
    assert_eq!(
        w[0].get("message"),
        Some(
            "Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is automatically updated, turn on Windows Update."
        )
    );
}
