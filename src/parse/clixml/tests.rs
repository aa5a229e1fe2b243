//! The CLIXML reader on exports as Windows PowerShell writes them.

use super::render::{FIELD_COST, RENDER_ALLOWANCE, RENDER_FACTOR};
use super::scalars::{decode_escapes, timespan};
use super::xml::unescape;
use super::*;
use crate::parse::producer::producer_for_type;
use crate::record::{Record, RecordKind};

fn fields(record: &Record) -> Vec<(&str, &str)> {
    record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// `Get-Service REPLICA, RTCSRV | Export-Clixml` from Windows PowerShell 5.1 (trimmed of the
/// handle objects): enums with `<ToString>`, `<TNRef>` for the second object, empty lists,
/// `<Nil>`, and alias properties under `<MS>`.
const GET_SERVICE: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
<TN RefId="0">
  <T>System.ServiceProcess.ServiceController</T>
  <T>System.ComponentModel.Component</T>
  <T>System.MarshalByRefObject</T>
  <T>System.Object</T>
</TN>
<ToString>System.ServiceProcess.ServiceController</ToString>
<Props>
  <B N="CanPauseAndContinue">false</B>
  <B N="CanShutdown">true</B>
  <B N="CanStop">true</B>
  <S N="DisplayName">Skype for Business Replica Replicator Agent</S>
  <Obj N="DependentServices" RefId="1">
    <TN RefId="1">
      <T>System.ServiceProcess.ServiceController[]</T>
      <T>System.Array</T>
      <T>System.Object</T>
    </TN>
    <LST />
  </Obj>
  <S N="MachineName">.</S>
  <S N="ServiceName">REPLICA</S>
  <Obj N="ServicesDependedOn" RefId="2">
    <TNRef RefId="1" />
    <LST>
      <S>System.ServiceProcess.ServiceController</S>
    </LST>
  </Obj>
  <Obj N="Status" RefId="3">
    <TN RefId="2">
      <T>System.ServiceProcess.ServiceControllerStatus</T>
      <T>System.Enum</T>
      <T>System.ValueType</T>
      <T>System.Object</T>
    </TN>
    <ToString>Running</ToString>
    <I32>4</I32>
  </Obj>
  <Obj N="StartType" RefId="4">
    <TN RefId="3">
      <T>System.ServiceProcess.ServiceStartMode</T>
      <T>System.Enum</T>
      <T>System.ValueType</T>
      <T>System.Object</T>
    </TN>
    <ToString>Automatic</ToString>
    <I32>2</I32>
  </Obj>
  <Nil N="Site" />
  <Nil N="Container" />
</Props>
<MS>
  <S N="Name">REPLICA</S>
</MS>
  </Obj>
  <Obj RefId="5">
<TNRef RefId="0" />
<ToString>System.ServiceProcess.ServiceController</ToString>
<Props>
  <B N="CanPauseAndContinue">false</B>
  <S N="DisplayName">Skype for Business Server Front-End</S>
  <S N="ServiceName">RTCSRV</S>
  <Obj N="Status" RefId="6">
    <TNRef RefId="2" />
    <ToString>Stopped</ToString>
    <I32>1</I32>
  </Obj>
  <Obj N="StartType" RefId="7">
    <TNRef RefId="3" />
    <ToString>Manual</ToString>
    <I32>3</I32>
  </Obj>
</Props>
<MS>
  <S N="Name">RTCSRV</S>
</MS>
  </Obj>
</Objs>"#;

#[test]
fn get_service_export() {
    let text = crlf(GET_SERVICE);
    let parsed = parse(&text, None);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.records.len(), 2);
    let replica = &parsed.records[0];
    assert_eq!(replica.kind, RecordKind::PsObject);
    assert_eq!(
        fields(replica),
        [
            ("CanPauseAndContinue", "False"),
            ("CanShutdown", "True"),
            ("CanStop", "True"),
            ("DisplayName", "Skype for Business Replica Replicator Agent"),
            ("DependentServices", ""),
            ("MachineName", "."),
            ("ServiceName", "REPLICA"),
            ("ServicesDependedOn", "System.ServiceProcess.ServiceController"),
            ("Status", "Running"),
            ("StartType", "Automatic"),
            ("Site", ""),
            ("Container", ""),
            ("Name", "REPLICA"),
            ("type_name", "System.ServiceProcess.ServiceController"),
            ("producer", "Get-Service"),
        ]
    );
    assert_eq!((replica.span.first_line, replica.span.last_line), (2, 57));
    assert!(text[replica.span.bytes.clone()].starts_with("<Obj RefId=\"0\">"));
    assert!(text[replica.span.bytes.clone()].ends_with("</Obj>"));
    let rtcsrv = &parsed.records[1];
    assert_eq!(rtcsrv.get("Status"), Some("Stopped"));
    assert_eq!(rtcsrv.get("StartType"), Some("Manual"));
    assert_eq!(rtcsrv.get("type_name"), Some("System.ServiceProcess.ServiceController"));
    assert_eq!((rtcsrv.span.first_line, rtcsrv.span.last_line), (58, 79));
    // The file name wins over the type.
    assert_eq!(parse(&text, Some("Get-Service_Edge")).records[0].get("producer"), Some("Get-Service_Edge"));
}

/// `Get-VM 2.1.0.0-CMS | Export-Clixml` (trimmed): state enum, TimeSpan, Version, GUIDs,
/// dates, 64-bit and unsigned numbers, a list of adapter objects and escaped newlines.
const GET_VM: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
<TN RefId="0">
  <T>Microsoft.HyperV.PowerShell.VirtualMachine</T>
  <T>Microsoft.HyperV.PowerShell.VirtualMachineBase</T>
  <T>Microsoft.HyperV.PowerShell.VirtualizationObject</T>
  <T>System.Object</T>
</TN>
<ToString>VirtualMachine (Name = '2.1.0.0-CMS') [Id = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']</ToString>
<Props>
  <S N="ConfigurationLocation">C:\ProgramData\CloudConnector\Instances\2.1.0.0-default\CMS</S>
  <I32 N="CPUUsage">3</I32>
  <I64 N="MemoryAssigned">4294967296</I64>
  <TS N="Uptime">P12DT3H44M10.123S</TS>
  <S N="Status">Operating normally</S>
  <Version N="IntegrationServicesVersion">6.3.9600.18080</Version>
  <S N="Notes">Cloud Connector CMS_x000D__x000A_do not edit</S>
  <Obj N="State" RefId="1">
    <TN RefId="1">
      <T>Microsoft.HyperV.PowerShell.VMState</T>
      <T>System.Enum</T>
      <T>System.ValueType</T>
      <T>System.Object</T>
    </TN>
    <ToString>Running</ToString>
    <I32>2</I32>
  </Obj>
  <B N="DynamicMemoryEnabled">false</B>
  <I32 N="Generation">2</I32>
  <U64 N="SizeOfSystemFiles">28672</U64>
  <U32 N="LowMemoryMappedIoSpace">134217728</U32>
  <Nil N="ParentSnapshotId" />
  <DT N="CreationTime">2026-12-05T10:14:22.123+01:00</DT>
  <G N="Id">a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b</G>
  <S N="Name">2.1.0.0-CMS</S>
  <Obj N="NetworkAdapters" RefId="2">
    <TN RefId="2">
      <T>System.Collections.Generic.List`1[[Microsoft.HyperV.PowerShell.VMNetworkAdapter, Microsoft.HyperV.PowerShell.Objects, Version=10.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T>
      <T>System.Object</T>
    </TN>
    <LST>
      <Obj RefId="3">
        <TN RefId="3">
          <T>Microsoft.HyperV.PowerShell.VMNetworkAdapter</T>
          <T>Microsoft.HyperV.PowerShell.VMNetworkAdapterBase</T>
          <T>System.Object</T>
        </TN>
        <ToString>VMNetworkAdapter (Name = 'Corpnet', VMName = '2.1.0.0-CMS') [VMId = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']</ToString>
      </Obj>
    </LST>
  </Obj>
  <S N="ComputerName">CCE-HOST01</S>
  <G N="VMId">a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b</G>
  <S N="VMName">2.1.0.0-CMS</S>
</Props>
  </Obj>
</Objs>"#;

#[test]
fn get_vm_export() {
    let parsed = parse(&crlf(GET_VM), None);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let vm = &parsed.records[0];
    assert_eq!(vm.get("CPUUsage"), Some("3"));
    assert_eq!(vm.get("MemoryAssigned"), Some("4294967296"));
    assert_eq!(vm.get("Uptime"), Some("12.03:44:10.1230000"));
    assert_eq!(vm.get("IntegrationServicesVersion"), Some("6.3.9600.18080"));
    assert_eq!(vm.get("Notes"), Some("Cloud Connector CMS\r\ndo not edit"));
    assert_eq!(vm.get("State"), Some("Running"));
    assert_eq!(vm.get("DynamicMemoryEnabled"), Some("False"));
    assert_eq!(vm.get("SizeOfSystemFiles"), Some("28672"));
    assert_eq!(vm.get("LowMemoryMappedIoSpace"), Some("134217728"));
    assert_eq!(vm.get("ParentSnapshotId"), Some(""));
    assert_eq!(vm.get("CreationTime"), Some("2026-12-05T10:14:22.123+01:00"));
    assert_eq!(vm.get("Id"), Some("a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b"));
    assert_eq!(
        vm.get("NetworkAdapters"),
        Some(
            "VMNetworkAdapter (Name = 'Corpnet', VMName = '2.1.0.0-CMS') [VMId = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']"
        )
    );
    assert_eq!(vm.get("VMName"), Some("2.1.0.0-CMS"));
    assert_eq!(vm.get("type_name"), Some("Microsoft.HyperV.PowerShell.VirtualMachine"));
    assert_eq!(vm.get("producer"), Some("Get-VM"));
}

/// `Get-ChildItem Cert:\LocalMachine\My | Export-Clixml` (trimmed): `NotAfter` as `<DT>`,
/// nested objects whose ToString is only their type name, lists of labelled objects, and
/// provider note properties under `<MS>`.
const GET_CERT: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
<TN RefId="0">
  <T>System.Security.Cryptography.X509Certificates.X509Certificate2</T>
  <T>System.Security.Cryptography.X509Certificates.X509Certificate</T>
  <T>System.Object</T>
</TN>
<ToString>[Subject]_x000D__x000A_  CN=CCE-Edge.contoso.com_x000D__x000A__x000D__x000A_[Issuer]_x000D__x000A_  CN=Contoso Issuing CA, DC=contoso, DC=com_x000D__x000A_</ToString>
<Props>
  <B N="Archived">false</B>
  <S N="FriendlyName"></S>
  <Obj N="IssuerName" RefId="1">
    <TN RefId="1">
      <T>System.Security.Cryptography.X509Certificates.X500DistinguishedName</T>
      <T>System.Security.Cryptography.AsnEncodedData</T>
      <T>System.Object</T>
    </TN>
    <ToString>System.Security.Cryptography.X509Certificates.X500DistinguishedName</ToString>
    <Props>
      <S N="Name">CN=Contoso Issuing CA, DC=contoso, DC=com</S>
      <S N="Oid">System.Security.Cryptography.Oid</S>
    </Props>
  </Obj>
  <DT N="NotAfter">2026-12-05T10:14:22+01:00</DT>
  <DT N="NotBefore">2024-12-05T10:14:22+01:00</DT>
  <B N="HasPrivateKey">true</B>
  <S N="SerialNumber">6100000012B3C4D5E6F7A8B9000000000012</S>
  <S N="Thumbprint">3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C</S>
  <I32 N="Version">3</I32>
  <S N="Issuer">CN=Contoso Issuing CA, DC=contoso, DC=com</S>
  <S N="Subject">CN=CCE-Edge.contoso.com</S>
</Props>
<MS>
  <S N="PSPath">Microsoft.PowerShell.Security\Certificate::LocalMachine\My\3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C</S>
  <B N="PSIsContainer">false</B>
  <Obj N="DnsNameList" RefId="2">
    <TN RefId="2">
      <T>System.Collections.Generic.List`1[[Microsoft.PowerShell.Commands.DnsNameRepresentation, Microsoft.PowerShell.Security, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T>
      <T>System.Object</T>
    </TN>
    <LST>
      <Obj RefId="3">
        <TN RefId="3">
          <T>Microsoft.PowerShell.Commands.DnsNameRepresentation</T>
          <T>System.ValueType</T>
          <T>System.Object</T>
        </TN>
        <ToString>CCE-Edge.contoso.com</ToString>
        <Props>
          <S N="Punycode">CCE-Edge.contoso.com</S>
          <S N="Unicode">CCE-Edge.contoso.com</S>
        </Props>
      </Obj>
      <Obj RefId="4">
        <TNRef RefId="3" />
        <ToString>sip.contoso.com</ToString>
        <Props>
          <S N="Punycode">sip.contoso.com</S>
          <S N="Unicode">sip.contoso.com</S>
        </Props>
      </Obj>
    </LST>
  </Obj>
  <Obj N="EnhancedKeyUsageList" RefId="5">
    <TNRef RefId="2" />
    <LST>
      <S>Server Authentication (1.3.6.1.5.5.7.3.1)</S>
      <S>Client Authentication (1.3.6.1.5.5.7.3.2)</S>
    </LST>
  </Obj>
</MS>
  </Obj>
</Objs>"#;

#[test]
fn certificate_export() {
    let parsed = parse(&crlf(GET_CERT), None);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let cert = &parsed.records[0];
    assert_eq!(
        fields(cert),
        [
            ("Archived", "False"),
            ("FriendlyName", ""),
            ("IssuerName", "@{Name=CN=Contoso Issuing CA, DC=contoso, DC=com; Oid=System.Security.Cryptography.Oid}"),
            ("IssuerName.Name", "CN=Contoso Issuing CA, DC=contoso, DC=com"),
            ("IssuerName.Oid", "System.Security.Cryptography.Oid"),
            ("NotAfter", "2026-12-05T10:14:22+01:00"),
            ("NotBefore", "2024-12-05T10:14:22+01:00"),
            ("HasPrivateKey", "True"),
            ("SerialNumber", "6100000012B3C4D5E6F7A8B9000000000012"),
            ("Thumbprint", "3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C"),
            ("Version", "3"),
            ("Issuer", "CN=Contoso Issuing CA, DC=contoso, DC=com"),
            ("Subject", "CN=CCE-Edge.contoso.com"),
            (
                "PSPath",
                "Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My\\3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C"
            ),
            ("PSIsContainer", "False"),
            ("DnsNameList", "CCE-Edge.contoso.com, sip.contoso.com"),
            (
                "EnhancedKeyUsageList",
                "Server Authentication (1.3.6.1.5.5.7.3.1), Client Authentication (1.3.6.1.5.5.7.3.2)"
            ),
            ("type_name", "System.Security.Cryptography.X509Certificates.X509Certificate2"),
            ("producer", "Get-ChildItem"),
        ]
    );
}

fn objs(body: &str) -> String {
    format!("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">{body}</Objs>")
}

#[test]
fn references_dictionaries_and_nested_lists() {
    let text = objs(concat!(
        r#"<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>"#,
        r#"<MS><S N="Name">a</S><Obj N="Tags" RefId="1"><TN RefId="1"><T>System.Object[]</T></TN><LST><S>x</S><I32>2</I32><Nil /></LST></Obj>"#,
        r#"<Obj N="Settings" RefId="2"><TN RefId="2"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>"#,
        r#"<DCT><En><S N="Key">Mode</S><S N="Value">Auto</S></En><En><S N="Key">Retries</S><I32 N="Value">3</I32></En></DCT></Obj>"#,
        r#"<Obj N="Rows" RefId="3"><TNRef RefId="1" /><LST><Obj RefId="4"><TNRef RefId="0" /><MS><S N="K">v</S></MS></Obj></LST></Obj>"#,
        r#"</MS></Obj>"#,
        r#"<Ref RefId="0" />"#,
        r#"<S>2.1.0.0</S>"#,
    ));
    let parsed = parse(&text, Some("Get-Thing"));
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(
        fields(&parsed.records[0]),
        [
            ("Name", "a"),
            ("Tags", "x, 2, "),
            ("Settings", "@{Mode=Auto; Retries=3}"),
            ("Settings.Mode", "Auto"),
            ("Settings.Retries", "3"),
            ("Rows", "{@{K=v}}"),
            ("type_name", "System.Management.Automation.PSCustomObject"),
            ("producer", "Get-Thing"),
        ]
    );
    // A top-level back-reference repeats the object it names.
    assert_eq!(parsed.records[1].fields, parsed.records[0].fields);
    assert_eq!(fields(&parsed.records[2]), [("value", "2.1.0.0"), ("producer", "Get-Thing")]);
}

#[test]
fn top_level_list_gives_one_record_per_item() {
    let text = objs(concat!(
        "\n<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Object[]</T></TN><LST>\n",
        "<Obj RefId=\"1\"><MS><S N=\"A\">1</S></MS></Obj>\n",
        "<Obj RefId=\"2\"><MS><S N=\"A\">2</S></MS></Obj>\n",
        "</LST></Obj>\n"
    ));
    let parsed = parse(&text, None);
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[1].get("A"), Some("2"));
    assert_eq!(parsed.records[1].span.first_line, 4);
    assert!(text[parsed.records[1].span.bytes.clone()].starts_with("<Obj RefId=\"2\">"));
}

#[test]
fn escapes_and_entities() {
    assert_eq!(decode_escapes("a_x000D__x000A_b"), "a\r\nb");
    assert_eq!(decode_escapes("snake_x005F_xcase_x"), "snake_xcase_x");
    assert_eq!(decode_escapes("_xD83D__xDE00_"), "\u{1F600}");
    assert_eq!(decode_escapes("_xD83D_ alone"), "\u{FFFD} alone");
    assert_eq!(decode_escapes("_xZZZZ_"), "_xZZZZ_");
    assert_eq!(unescape("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;"), "a <b> & \"c\" 'd' AB");
    assert_eq!(unescape("AT&T &bogus; &#xD800; &#0;"), "AT&T &bogus; \u{FFFD} \u{FFFD}");
    let text = objs(r#"<Obj RefId="0"><MS><S N="Path_x0020_Name">C:\a &amp; b</S><C N="Letter">65</C></MS></Obj>"#);
    let record = &parse(&text, None).records[0];
    assert_eq!(record.get("Path Name"), Some("C:\\a & b"));
    assert_eq!(record.get("Letter"), Some("A"));
}

#[test]
fn timespans_read_as_dotnet_prints_them() {
    assert_eq!(timespan("PT0S").as_deref(), Some("00:00:00"));
    assert_eq!(timespan("PT9.5S").as_deref(), Some("00:00:09.5000000"));
    assert_eq!(timespan("P1DT2H3M4S").as_deref(), Some("1.02:03:04"));
    assert_eq!(timespan("-PT1M").as_deref(), Some("-00:01:00"));
    assert_eq!(timespan("PT90M").as_deref(), Some("01:30:00"));
    assert_eq!(timespan("P"), None);
    assert_eq!(timespan("PT1.23456789S"), None);
    assert_eq!(timespan("P1H"), None);
    assert_eq!(timespan("PT1Hé"), None);
    assert_eq!(timespan("P99999999999999999999999999999999999999D"), None);
}

#[test]
fn producers_from_type_names() {
    for (type_name, producer) in [
        ("System.ServiceProcess.ServiceController", "Get-Service"),
        ("Deserialized.System.ServiceProcess.ServiceController", "Get-Service"),
        ("Microsoft.HyperV.PowerShell.VMNetworkAdapter", "Get-VMNetworkAdapter"),
        (
            "Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallRule",
            "Get-NetFirewallRule",
        ),
        ("Microsoft.Management.Infrastructure.CimInstance#MSFT_NetIPAddress", "Get-NetIPAddress"),
        (
            "Microsoft.Management.Infrastructure.CimInstance#root/Microsoft/Windows/Defender/MSFT_MpPreference",
            "Get-MpPreference",
        ),
        ("System.Diagnostics.Eventing.Reader.EventLogRecord", "Get-WinEvent"),
    ] {
        assert_eq!(producer_for_type(type_name), Some(producer), "{type_name}");
    }
    assert_eq!(producer_for_type("System.String"), None);
    assert_eq!(producer_for_type("Microsoft.Management.Infrastructure.CimInstance#Other"), None);
}

#[test]
fn deep_nesting_is_cut_and_reported() {
    let depth = 200;
    let mut body = String::from("<Obj RefId=\"0\"><MS><S N=\"Name\">top</S>");
    for _ in 0..depth {
        body.push_str("<Obj N=\"Child\"><MS>");
    }
    for _ in 0..depth {
        body.push_str("</MS></Obj>");
    }
    body.push_str("</MS></Obj><Obj RefId=\"9\"><MS><S N=\"Name\">next</S></MS></Obj>");
    let parsed = parse(&objs(&body), None);
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].get("Name"), Some("top"));
    assert_eq!(parsed.records[1].get("Name"), Some("next"));
    assert_eq!(parsed.problems.len(), 1);
    assert!(parsed.problems[0].message.contains("deeper than 64"), "{:?}", parsed.problems);
}

#[test]
fn shared_references_cannot_blow_up() {
    // Each level refers to the previous one twice: 2^40 leaves if rendered naively.
    let mut body = String::from("<Obj RefId=\"0\"><MS><S N=\"V\">leaf</S></MS></Obj>");
    for level in 1..=40 {
        body.push_str(&format!(
            "<Obj RefId=\"{level}\"><MS><Ref N=\"A\" RefId=\"{p}\" /><Ref N=\"B\" RefId=\"{p}\" /></MS></Obj>",
            p = level - 1
        ));
    }
    let text = objs(&body);
    let parsed = parse(&text, None);
    assert_eq!(parsed.records.len(), 41);
    let total: usize = parsed.records.iter().flat_map(|r| &r.fields).map(|(n, v)| n.len() + v.len()).sum();
    assert!(total <= RENDER_ALLOWANCE + RENDER_FACTOR * text.len(), "{total}");
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert!(parsed.problems[0].message.contains("values are cut"));
}

#[test]
fn many_references_to_a_wide_object_stay_bounded() {
    // Flattening 20 references to a 1000-property object in each of 2000 records would make
    // 40 million fields out of a 1 MB file.
    let mut body = String::from("<Obj RefId=\"0\"><MS>");
    for i in 0..1000 {
        body.push_str(&format!("<S N=\"p{i}\">v</S>"));
    }
    body.push_str("</MS></Obj>");
    for i in 1..=2000 {
        body.push_str(&format!("<Obj RefId=\"r{i}\"><MS>"));
        for j in 0..20 {
            body.push_str(&format!("<Ref N=\"a{j}\" RefId=\"0\" />"));
        }
        body.push_str("</MS></Obj>");
    }
    let text = objs(&body);
    let parsed = parse(&text, None);
    assert_eq!(parsed.records.len(), 2001);
    let fields: usize = parsed.records.iter().map(|r| r.fields.len()).sum();
    assert!(fields <= (RENDER_ALLOWANCE + RENDER_FACTOR * text.len()) / FIELD_COST + 2001, "{fields}");
    assert_eq!(parsed.records[0].get("p999"), Some("v"));
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
}

#[test]
fn broken_files_are_problems_with_lines() {
    let parsed = parse("<Objs>\n<Obj RefId=\"0\"><MS><S N=\"A\">1</S></MS></Obj>\n<Obj><MS><S N=\"B\">2</MS>", None);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].line, Some(3));
    assert!(parsed.problems[0].message.starts_with("invalid CLIXML: expected </S>"));

    let parsed = parse("<?xml version=\"1.0\"?>\n<html><body/></html>", None);
    assert!(parsed.records.is_empty());
    assert_eq!(parsed.problems[0].line, Some(2));

    let parsed = parse(&objs(r#"<Obj RefId="0"><MS><Ref N="X" RefId="7" /></MS></Obj>"#), None);
    assert_eq!(parsed.records[0].get("X"), Some(""));
    assert!(parsed.problems[0].message.contains("RefId=\"7\""));
}

#[test]
fn comments_cdata_and_doctype_are_read_safely() {
    let text = concat!(
        "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n",
        "<!DOCTYPE Objs [<!ENTITY boom \"&boom;&boom;\">]>\n",
        "<!-- exported by a script -->\n",
        "<Objs Version=\"1.1.0.1\"><Obj RefId=\"0\" a='x>y'><MS>",
        "<S N=\"A\"><![CDATA[<raw> & more]]></S><S N=\"B\">&boom;</S>",
        "</MS></Obj></Objs>\n"
    );
    let parsed = parse(text, None);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.records[0].get("A"), Some("<raw> & more"));
    assert_eq!(parsed.records[0].get("B"), Some("&boom;"));
}

#[test]
fn sniffing() {
    assert!(looks_like_clixml(GET_SERVICE));
    assert!(looks_like_clixml("\u{feff}<?xml version=\"1.0\"?>\r\n<Objs Version=\"1.1.0.1\">"));
    assert!(looks_like_clixml("<Objs/>"));
    assert!(!looks_like_clixml("<Objects><Object/></Objects>"));
    assert!(!looks_like_clixml("<?xml version=\"1.0\"?><configuration/>"));
    assert!(!looks_like_clixml("<?xml"));
}

#[test]
fn junk_never_panics() {
    for text in [
        "",
        "<",
        "<>",
        "</>",
        "<Objs",
        "<Objs>",
        "<Objs/>",
        "<Objs></Objs></Objs>",
        "<Objs><Obj",
        "<Objs><Obj RefId=\"0\"><TN RefId=\"0\"><T>x</T>",
        "<Objs><Obj RefId=\"0\"><TNRef RefId=\"9\"/></Obj></Objs>",
        "<Objs><TS>P1DT</TS><TS>PTxS</TS><C>99999999</C><B>maybe</B></Objs>",
        "<Objs><Obj><DCT><En><S N=\"Value\">v</S></En><X/></DCT></Obj></Objs>",
        "<Objs><!-- never closed",
        "<Objs><![CDATA[",
        "<Objs><?pi",
        "<Objs><!DOCTYPE [",
        "<Objs><S N='unterminated>x</S></Objs>",
        "<Objs><S N=\"é\">é_x00E9</S></Objs>",
        "<Objs>&#x110000;&#xFFFFFFFFFF;</Objs>",
        "\u{FEFF}<Objs>\r\n</Objs>\r\n",
    ] {
        let _ = parse(text, Some("x"));
    }
}
