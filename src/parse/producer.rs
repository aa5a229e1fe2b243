//! Which cmdlet produced an output: the names cmdlets have, what a file's name says, and the
//! .NET types that exports carry.
//!
//! Rules key on the producer (`producer: Get-VM`) so that a table of VMs and a table of
//! adapters with the same column names are not mistaken for each other; where neither a
//! prompt nor a file name says, the objects' own properties do.

use crate::record::{Record, RecordKind};

/// Approved PowerShell verbs (`Get-Verb`). A bare `Verb-Noun: text` or `Verb-Noun : text`
/// line with no error-record block is only taken for an error when its verb is one of these;
/// anything else could be ordinary output that happens to contain a hyphen and a colon.
const APPROVED_VERBS: &[&str] = &[
    "Add",
    "Approve",
    "Assert",
    "Backup",
    "Block",
    "Build",
    "Checkpoint",
    "Clear",
    "Close",
    "Compare",
    "Complete",
    "Compress",
    "Confirm",
    "Connect",
    "Convert",
    "ConvertFrom",
    "ConvertTo",
    "Copy",
    "Debug",
    "Deny",
    "Deploy",
    "Disable",
    "Disconnect",
    "Dismount",
    "Edit",
    "Enable",
    "Enter",
    "Exit",
    "Expand",
    "Export",
    "Find",
    "ForEach",
    "Format",
    "Get",
    "Grant",
    "Group",
    "Hide",
    "Import",
    "Initialize",
    "Install",
    "Invoke",
    "Join",
    "Limit",
    "Lock",
    "Measure",
    "Merge",
    "Mount",
    "Move",
    "New",
    "Open",
    "Optimize",
    "Out",
    "Ping",
    "Pop",
    "Protect",
    "Publish",
    "Push",
    "Read",
    "Receive",
    "Redo",
    "Register",
    "Remove",
    "Rename",
    "Repair",
    "Request",
    "Reset",
    "Resize",
    "Resolve",
    "Restart",
    "Restore",
    "Resume",
    "Revoke",
    "Save",
    "Search",
    "Select",
    "Send",
    "Set",
    "Show",
    "Skip",
    "Sort",
    "Split",
    "Start",
    "Step",
    "Stop",
    "Submit",
    "Suspend",
    "Switch",
    "Sync",
    "Tee",
    "Test",
    "Trace",
    "Unblock",
    "Undo",
    "Uninstall",
    "Unlock",
    "Unprotect",
    "Unpublish",
    "Unregister",
    "Update",
    "Use",
    "Wait",
    "Watch",
    "Where",
    "Write",
];

/// `Verb-Noun`, the shape of every cmdlet and advanced function name.
pub fn is_verb_noun(name: &str) -> bool {
    // Module-qualified names (`Microsoft.PowerShell.Core\Get-Help`) count too.
    let name = name.rsplit('\\').next().unwrap_or(name);
    let Some((verb, noun)) = name.split_once('-') else {
        return false;
    };
    !verb.is_empty()
        && verb.bytes().all(|b| b.is_ascii_alphabetic())
        && !noun.is_empty()
        && noun.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// A `Verb-Noun` name whose verb is an approved one: a cmdlet's name, not `ticket-notes`.
pub fn has_approved_verb(name: &str) -> bool {
    is_verb_noun(name)
        && name
            .rsplit('\\')
            .next()
            .and_then(|n| n.split_once('-'))
            .is_some_and(|(verb, _)| APPROVED_VERBS.iter().any(|v| v.eq_ignore_ascii_case(verb)))
}

/// The file name part of a reported path (which may run through a zip).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The cmdlet a file's name says produced it: `Get-VMNetworkAdapter.txt`,
/// `Get-Service_CMS.txt` and `get-ccversion.json` all name one.
pub fn producer_from_name(path: &str) -> Option<String> {
    let name = file_name(path);
    let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(name.len());
    let stem = &name[..end];
    // An approved verb, so that `ticket-notes.txt` names no cmdlet.
    has_approved_verb(stem).then(|| stem.to_owned())
}

/// Well-known .NET types and the cmdlet that emits them.
const TYPE_PRODUCERS: &[(&str, &str)] = &[
    ("System.ServiceProcess.ServiceController", "Get-Service"),
    ("Microsoft.HyperV.PowerShell.VirtualMachine", "Get-VM"),
    ("Microsoft.HyperV.PowerShell.VMNetworkAdapter", "Get-VMNetworkAdapter"),
    ("Microsoft.HyperV.PowerShell.VMSwitch", "Get-VMSwitch"),
    ("System.Security.Cryptography.X509Certificates.X509Certificate2", "Get-ChildItem"),
    ("System.Diagnostics.Eventing.Reader.EventLogRecord", "Get-WinEvent"),
    ("System.Diagnostics.EventLogEntry", "Get-EventLog"),
    ("System.Management.Automation.PSModuleInfo", "Get-Module"),
];

/// CIM classes (the part after the last `/` of `CimInstance#root/.../Class`) and their cmdlet.
const CIM_PRODUCERS: &[(&str, &str)] = &[
    ("MSFT_NetFirewallRule", "Get-NetFirewallRule"),
    ("MSFT_NetIPAddress", "Get-NetIPAddress"),
    ("MSFT_MpPreference", "Get-MpPreference"),
];

/// The cmdlet that emits objects of `type_name`, for the type names in [`TYPE_PRODUCERS`] and
/// [`CIM_PRODUCERS`], with or without the `Deserialized.` prefix remoting adds.
pub fn producer_for_type(type_name: &str) -> Option<&'static str> {
    let name = type_name.trim();
    let name = name.strip_prefix("Deserialized.").unwrap_or(name);
    if let Some(class_path) = name.strip_prefix("Microsoft.Management.Infrastructure.CimInstance#") {
        let class = class_path.rsplit('/').next().unwrap_or(class_path);
        return CIM_PRODUCERS.iter().find(|(c, _)| c.eq_ignore_ascii_case(class)).map(|&(_, p)| p);
    }
    TYPE_PRODUCERS.iter().find(|(t, _)| t.eq_ignore_ascii_case(name)).map(|&(_, p)| p)
}

/// Property sets that only one cmdlet's objects carry, for output saved under a name that
/// says nothing (`defender.txt`, `sites.json`) and shown without a prompt: every property of
/// one set must be there. Checked in order; the first that fits names the producer.
const SHAPES: &[(&str, &[&str])] = &[
    ("Get-CsHybridPSTNAppliance", &["MediationServerFqdn", "Site"]),
    ("Get-CsHybridPSTNAppliance", &["MediationServerFqdn", "SiteName"]),
    ("Get-CsHybridPSTNAppliance", &["DeploymentAction", "DeploymentStatus"]),
    ("Get-CsHybridPSTNSite", &["EnableAutoUpdate", "OsUpdateTimeWindow"]),
    ("Get-CsHybridPSTNSite", &["EnableAutoUpdate", "BitsUpdateTimeWindow"]),
    ("Get-CsHybridMediationServer", &["Fqdn", "AccessProxyExternalFqdn"]),
    ("Get-MpPreference", &["ExclusionPath", "ExclusionProcess"]),
    ("Get-VMNetworkAdapter", &["VMName", "SwitchName"]),
    ("Get-VM", &["Name", "State", "Uptime"]),
    ("Get-VM", &["VMName", "State", "VMId"]),
    ("Get-NetFirewallRule", &["DisplayName", "Enabled", "Direction", "Action"]),
    ("Get-Service", &["Status", "Name", "DisplayName"]),
    ("Get-Module", &["ModuleType", "Version", "Name"]),
    ("Get-Module", &["ModuleBase", "Version", "Name"]),
];

/// Gives objects that came without a producer the cmdlet their properties say emitted them
/// (see [`SHAPES`]); a producer from a prompt, a file name or a type name stays.
pub fn infer_from_shape(records: &mut [Record]) {
    for record in records.iter_mut().filter(|r| r.kind == RecordKind::PsObject && r.get("producer").is_none()) {
        if let Some((producer, _)) = SHAPES.iter().find(|(_, names)| names.iter().all(|n| record.get(n).is_some())) {
            record.push("producer", *producer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_name_the_producer_of_anonymous_objects() {
        let object = |fields: &[(&str, &str)]| {
            let mut record = Record::new(RecordKind::PsObject, crate::record::Span::default());
            for (name, value) in fields {
                record.push(name.to_string(), *value);
            }
            record
        };
        let mut records = [
            object(&[("Identity", "Leeds"), ("EnableAutoUpdate", "False"), ("BitsUpdateTimeWindow", "{}")]),
            object(&[("Name", "2.1.0.0-CMS"), ("State", "Off"), ("Uptime", "00:00:00")]),
            object(&[("Name", "x"), ("producer", "Get-Thing")]),
            object(&[("Name", "x"), ("Value", "y")]),
        ];
        infer_from_shape(&mut records);
        let producers: Vec<Option<&str>> = records.iter().map(|r| r.get("producer")).collect();
        assert_eq!(producers, [Some("Get-CsHybridPSTNSite"), Some("Get-VM"), Some("Get-Thing"), None]);
    }

    #[test]
    fn producers_from_file_names() {
        assert_eq!(producer_from_name("host/Get-VMNetworkAdapter.txt").as_deref(), Some("Get-VMNetworkAdapter"));
        assert_eq!(producer_from_name("Get-Service_CMS.txt").as_deref(), Some("Get-Service"));
        assert_eq!(producer_from_name("console.txt"), None);
        assert_eq!(producer_from_name("2024-01-01.txt"), None);
        assert_eq!(producer_from_name("ticket-notes.txt"), None);
    }
}
