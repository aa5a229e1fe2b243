#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Collects what ccdiag reads from a Skype for Business Cloud Connector Edition host into a
    folder and a zip of it.

.DESCRIPTION
    Run it in an elevated Windows PowerShell 5.1 on the Cloud Connector host (on Windows Server
    2012 R2, the host system Cloud Connector requires, install WMF 5.1 first: its own
    PowerShell 4.0 has no Compress-Archive). It gathers:

      Appliance\CloudConnector.ini           the ini in the appliance directory (-ApplianceRoot)
      ManagementService\CceManagementService*.log
      ProgramData\CloudConnector\module.ini  and UserProfile\CloudConnector\module.ini
      host\Get-Cc*.txt, Get-Module.txt       versions and directories of the appliance
      host\Get-VM.json, Get-VMNetworkAdapter.json, Get-NetIPAddress.txt
      host\Get-MpPreference.json, Get-ChildItem-Cert.json
      host\Get-ItemProperty.txt, reg-query-NDP.txt   the .NET Framework Release value
      events\Get-WinEvent-Application.csv, Get-WinEvent-System.csv, System.evtx
      vms\Get-Service.json, vms\Get-NetFirewallRule.json, vms\<VM>\systeminfo.txt
                                             from the appliance's VMs, through Invoke-Command
      online\Get-CsHybrid*.txt               from a Skype for Business Online session
      transcripts\PowerShell_transcript*.txt copies of Start-Transcript files
      transcripts\ccdiag-collection.*.txt    the transcript of this collection
      collection-errors.txt                  every step that failed, with its error record

    File names start with the cmdlet that wrote them, which tells ccdiag how to read them.
    Text is written as Windows PowerShell writes it (Out-File: UTF-16LE), 4096 columns wide so
    that Format-List and Format-Table cut no value at the console width, with
    $FormatEnumerationLimit lifted so that no list ends in "...". Objects that have a
    structured form are exported with ConvertTo-Json -Depth 4 (UTF-8). A step that fails is
    recorded in collection-errors.txt and the collection goes on.

    Nothing is changed on the host or the VMs: every step reads.

.PARAMETER OutputPath
    Folder to collect into; the zip is written beside it as <OutputPath>.zip. Default: a
    ccdiag-bundle-<computer>-<yyyyMMdd-HHmmss> folder on the desktop.

.PARAMETER ApplianceRoot
    The appliance directory, which holds the CloudConnector.ini the deployment uses. Default:
    what Get-CcApplianceDirectory returns.

.PARAMETER VmCredential
    An account of the appliance's own domain (VirtualMachineDomain in CloudConnector.ini), for
    Invoke-Command to the CMS, Mediation and Edge VMs: the host is not in that domain, so the
    current account is not accepted there. Asked for once when omitted.

.PARAMETER VmComputerName
    The VMs to query. Default: the ServerName of [PrimaryCMS] and [MediationServer] and the
    InternalServerName of [EdgeServer] in CloudConnector.ini. Give FQDNs or addresses when the
    host cannot resolve the short names (addresses need the VMs in WSMan TrustedHosts).

.PARAMETER SkipVm
    Do not query the VMs.

.PARAMETER SkipOnline
    Do not run the tenant cmdlets (Get-CsHybridPSTNSite, Get-CsHybridPSTNAppliance,
    Get-CsHybridMediationServer). Without this switch they need a Skype for Business Online
    session imported in this PowerShell (New-CsOnlineSession and Import-PSSession) before the
    script runs; when none is, the step is recorded as failed.

.PARAMETER MaxEvents
    Newest events exported per event log to CSV. Default 5000. System.evtx holds the whole
    System log regardless.

.PARAMETER TranscriptPath
    Folders searched for PowerShell_transcript*.txt (and one level of subfolders, as the
    transcription policy writes them). Default: the Documents folder of the current user.

.EXAMPLE
    .\Collect-CcDiagBundle.ps1 -SkipOnline

    Collects the host and the VMs, asking for the appliance domain's credential, without the
    tenant cmdlets.

.EXAMPLE
    $session = New-CsOnlineSession; Import-PSSession $session -AllowClobber
    $cred = Get-Credential 'CCE\Administrator'
    .\Collect-CcDiagBundle.ps1 -VmCredential $cred -OutputPath C:\Temp\ccdiag-bundle

    Collects everything into C:\Temp\ccdiag-bundle and C:\Temp\ccdiag-bundle.zip.

.NOTES
    Then run `ccdiag scan <the zip>` (or attach the zip to the ticket). Review the zip before
    sending it: it holds host, domain and user names, addresses and the transcripts you kept.

.LINK
    https://learn.microsoft.com/skypeforbusiness/skype-for-business-hybrid-solutions/plan-your-phone-system-cloud-pbx-solution/cloud-connector-edition/troubleshoot-your-cloud-connector-deployment
#>
[CmdletBinding()]
param(
    [string]$OutputPath,
    [string]$ApplianceRoot,
    [System.Management.Automation.PSCredential]
    [System.Management.Automation.Credential()]
    $VmCredential = [System.Management.Automation.PSCredential]::Empty,
    [string[]]$VmComputerName,
    [switch]$SkipVm,
    [switch]$SkipOnline,
    [ValidateRange(1, 1000000)]
    [int]$MaxEvents = 5000,
    [string[]]$TranscriptPath = @([Environment]::GetFolderPath('MyDocuments'))
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Windows PowerShell's formatter reads $FormatEnumerationLimit from the global scope only, so a
# script-scope -1 would leave lists cut after 4 items ("{a, b, c, d...}"). It is restored at
# the end.
$savedEnumerationLimit = $global:FormatEnumerationLimit
$global:FormatEnumerationLimit = -1

$Width = 4096
$FailedSteps = 0
if (-not $OutputPath) {
    $desktop = [Environment]::GetFolderPath('Desktop')
    $OutputPath = Join-Path $desktop ('ccdiag-bundle-{0}-{1:yyyyMMdd-HHmmss}' -f $env:COMPUTERNAME, (Get-Date))
}
# Against PowerShell's current location, not the process's (which .NET methods would use).
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$ErrorsFile = Join-Path $OutputPath 'collection-errors.txt'

# --- Helpers --------------------------------------------------------------------------------

# The full path of a file in the bundle, its folder made.
function Get-BundlePath {
    param([Parameter(Mandatory = $true)][string]$RelativePath)
    $path = Join-Path $OutputPath $RelativePath
    $folder = Split-Path -Parent $path
    if (-not (Test-Path -LiteralPath $folder)) {
        New-Item -ItemType Directory -Path $folder -Force | Out-Null
    }
    $path
}

# Appends one failed step to collection-errors.txt: a header line, then each error record as
# PowerShell prints it (message, position, CategoryInfo, FullyQualifiedErrorId).
function Add-CollectionError {
    param(
        [Parameter(Mandatory = $true)][string]$Step,
        [object[]]$ErrorRecord = @(),
        [string]$Note
    )
    $script:FailedSteps++
    $lines = New-Object System.Collections.Generic.List[string]
    $lines.Add(('== {0} failed at {1}' -f $Step, (Get-Date).ToString('o')))
    if ($Note) { $lines.Add($Note) }
    foreach ($record in $ErrorRecord) {
        $lines.Add(($record | Out-String -Width $Width).TrimEnd())
    }
    $lines.Add('')
    $lines | Out-File -LiteralPath $ErrorsFile -Append -Encoding Unicode -Width $Width
    Write-Warning ('{0} failed; see {1}' -f $Step, $ErrorsFile)
}

# Runs one step. Whatever error it raises, thrown or only written (module functions do not see
# this script's ErrorActionPreference), is recorded, and the collection goes on.
function Invoke-Step {
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)][scriptblock]$Action
    )
    Write-Host ('[{0:HH:mm:ss}] {1}' -f (Get-Date), $Name)
    $mark = $null
    if ($global:Error.Count -gt 0) { $mark = $global:Error[0] }
    $caught = $null
    try {
        $null = & $Action
    } catch {
        $caught = $_
    }
    # The errors added to $Error since the mark, oldest first.
    $raised = New-Object System.Collections.Generic.List[object]
    foreach ($record in $global:Error) {
        if ($null -ne $mark -and [object]::ReferenceEquals($record, $mark)) { break }
        $raised.Insert(0, $record)
    }
    if ($null -ne $caught -and -not ($raised | Where-Object { [object]::ReferenceEquals($_, $caught) })) {
        $raised.Add($caught)
    }
    if ($raised.Count -gt 0) {
        Add-CollectionError -Step $Name -ErrorRecord $raised.ToArray()
    }
}

# Text as Windows PowerShell writes it (UTF-16LE), wide enough that nothing is cut or wrapped.
function Save-Text {
    param(
        [Parameter(Mandatory = $true)][string]$RelativePath,
        [Parameter(Mandatory = $true)][AllowNull()][AllowEmptyCollection()][object[]]$InputObject
    )
    $InputObject | Out-File -LiteralPath (Get-BundlePath $RelativePath) -Encoding Unicode -Width $Width
}

# Objects as JSON (always an array), deep enough for nested values such as a VM's Uptime.
function Save-Json {
    param(
        [Parameter(Mandatory = $true)][string]$RelativePath,
        [Parameter(Mandatory = $true)][AllowNull()][AllowEmptyCollection()][object[]]$InputObject
    )
    $items = @($InputObject | Where-Object { $null -ne $_ })
    ConvertTo-Json -InputObject $items -Depth 4 |
        Out-File -LiteralPath (Get-BundlePath $RelativePath) -Encoding UTF8 -Width $Width
}

# Copies a file that its writer may hold open (the management service's log, the transcript of
# this very session): opened for reading with every sharing mode, never locked against it.
function Copy-SharedFile {
    param(
        [Parameter(Mandatory = $true)][string]$Source,
        [Parameter(Mandatory = $true)][string]$RelativePath
    )
    $target = Get-BundlePath $RelativePath
    $share = [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete
    $in = [System.IO.File]::Open($Source, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $out = [System.IO.File]::Create($target)
        try { $in.CopyTo($out) } finally { $out.Dispose() }
    } finally {
        $in.Dispose()
    }
    (Get-Item -LiteralPath $target).LastWriteTime = (Get-Item -LiteralPath $Source).LastWriteTime
}

# The key=value pairs of an ini file as 'Section.Key' (case-insensitive).
function Read-IniFile {
    param([Parameter(Mandatory = $true)][string]$Path)
    $values = @{}
    $section = ''
    foreach ($line in Get-Content -LiteralPath $Path) {
        $text = $line.Trim()
        if ($text -match '^\[(.+)\]$') {
            $section = $Matches[1].Trim()
        } elseif ($text -match '^([^;#=][^=]*)=(.*)$') {
            $values['{0}.{1}' -f $section, $Matches[1].Trim()] = $Matches[2].Trim()
        }
    }
    $values
}

# Runs a native program; a non-zero exit code fails the step.
function Invoke-Native {
    param(
        [Parameter(Mandatory = $true)][string]$FilePath,
        [string[]]$ArgumentList = @()
    )
    $output = & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw ('{0} {1} exited with {2}' -f $FilePath, ($ArgumentList -join ' '), $LASTEXITCODE)
    }
    $output
}

# --- Collection -----------------------------------------------------------------------------

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
# A transcript of the collection itself: its header and footer say when, where and by whom it
# ran (ccdiag takes its reference time for certificate expiry from them), and it keeps every
# warning shown.
$transcribing = $false
Invoke-Step 'Start-Transcript' {
    $name = 'transcripts\ccdiag-collection.{0}.{1:yyyyMMddHHmmss}.txt' -f $env:COMPUTERNAME, (Get-Date)
    Start-Transcript -LiteralPath (Get-BundlePath $name) | Out-Null
    $script:transcribing = $true
}
Write-Host "Collecting into $OutputPath"
$ini = $null

try {
    # Logs and configuration.
    Invoke-Step 'Import-Module CloudConnector' {
        Import-Module CloudConnector -ErrorAction Stop
    }
    Invoke-Step 'Get-CcApplianceDirectory' {
        $directory = Get-CcApplianceDirectory
        Save-Text 'host\Get-CcApplianceDirectory.txt' $directory
        if (-not $script:ApplianceRoot) { $script:ApplianceRoot = [string]$directory }
    }
    Invoke-Step 'Get-CcSiteDirectory' {
        Save-Text 'host\Get-CcSiteDirectory.txt' (Get-CcSiteDirectory)
    }
    Invoke-Step 'CloudConnector.ini' {
        if (-not $script:ApplianceRoot) { throw 'No appliance directory: pass -ApplianceRoot.' }
        $path = Join-Path $script:ApplianceRoot 'CloudConnector.ini'
        Copy-SharedFile $path 'Appliance\CloudConnector.ini'
        $script:ini = Read-IniFile $path
    }
    Invoke-Step 'CceManagementService*.log' {
        $folder = Join-Path $env:ProgramFiles 'Skype for Business Cloud Connector Edition\ManagementService'
        $logs = @(Get-ChildItem -LiteralPath $folder -Filter 'CceManagementService*.log' -File)
        if ($logs.Count -eq 0) { throw "No CceManagementService*.log in $folder" }
        foreach ($log in $logs) { Copy-SharedFile $log.FullName ('ManagementService\' + $log.Name) }
    }
    Invoke-Step 'module.ini (ProgramData)' {
        Copy-SharedFile (Join-Path $env:ProgramData 'CloudConnector\module.ini') 'ProgramData\CloudConnector\module.ini'
    }
    Invoke-Step 'module.ini (user profile)' {
        # Versions before 1.4.1 kept it here; Register-CcAppliance migrates it to ProgramData.
        $path = Join-Path $env:USERPROFILE 'CloudConnector\module.ini'
        if (Test-Path -LiteralPath $path) { Copy-SharedFile $path 'UserProfile\CloudConnector\module.ini' }
    }

    # Host state.
    Invoke-Step 'Get-CcVersion' {
        Save-Text 'host\Get-CcVersion.txt' (Get-CcVersion)
    }
    Invoke-Step 'Get-CcRunningVersion' {
        Save-Text 'host\Get-CcRunningVersion.txt' (Get-CcRunningVersion)
    }
    Invoke-Step 'Get-Module' {
        Save-Text 'host\Get-Module.txt' (Get-Module CloudConnector -ErrorAction Stop)
    }
    Invoke-Step 'Get-VM' {
        $vms = Get-VM -ErrorAction Stop |
            Select-Object Name, State, Status, Uptime, CPUUsage, MemoryAssigned, Version, Generation, VMId, ComputerName
        Save-Json 'host\Get-VM.json' $vms
    }
    Invoke-Step 'Get-VMNetworkAdapter' {
        $adapters = Get-VMNetworkAdapter -VMName * -ErrorAction Stop |
            Select-Object VMName, Name, SwitchName, Connected, MacAddress, IPAddresses,
            @{ Name = 'Status'; Expression = { @($_.Status | ForEach-Object { $_.ToString() }) } }
        Save-Json 'host\Get-VMNetworkAdapter.json' $adapters
    }
    Invoke-Step 'Get-NetIPAddress' {
        Save-Text 'host\Get-NetIPAddress.txt' (Get-NetIPAddress -ErrorAction Stop)
    }
    Invoke-Step 'Get-MpPreference' {
        # Every preference; the CIM bookkeeping (CimClass, CimInstanceProperties) only repeats them.
        $preference = Get-MpPreference -ErrorAction Stop | Select-Object -Property * -ExcludeProperty Cim*
        Save-Json 'host\Get-MpPreference.json' $preference
    }
    Invoke-Step 'Get-ChildItem Cert:' {
        $certificates = Get-ChildItem -Path Cert:\LocalMachine\My, Cert:\LocalMachine\Root -ErrorAction Stop |
            Select-Object Subject, Issuer, Thumbprint, NotBefore, NotAfter, SerialNumber, FriendlyName, HasPrivateKey,
            @{ Name = 'DnsNameList'; Expression = { @($_.DnsNameList | ForEach-Object { $_.Unicode }) } },
            @{ Name = 'Store'; Expression = { $_.PSParentPath -replace '^.*::', '' } }
        Save-Json 'host\Get-ChildItem-Cert.json' $certificates
    }
    $ndp = 'SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'
    Invoke-Step 'Get-ItemProperty (.NET Release)' {
        Save-Text 'host\Get-ItemProperty.txt' (Get-ItemProperty -LiteralPath "HKLM:\$ndp" -Name Release -ErrorAction Stop)
    }
    Invoke-Step 'reg query (.NET Release)' {
        Save-Text 'host\reg-query-NDP.txt' (Invoke-Native reg.exe @('query', "HKLM\$ndp", '/v', 'Release'))
    }

    # Event logs: the newest events with their messages (in the host's language), and the whole
    # System log as .evtx (ids and insertion strings, in no language).
    foreach ($log in 'Application', 'System') {
        Invoke-Step "Get-WinEvent $log" {
            Get-WinEvent -LogName $log -MaxEvents $MaxEvents -ErrorAction Stop |
                Select-Object TimeCreated, Id, ProviderName, LevelDisplayName, MachineName, Message |
                Export-Csv -LiteralPath (Get-BundlePath "events\Get-WinEvent-$log.csv") -NoTypeInformation -Encoding UTF8
        }
    }
    Invoke-Step 'wevtutil epl System' {
        $null = Invoke-Native wevtutil.exe @('epl', 'System', (Get-BundlePath 'events\System.evtx'), '/ow:true')
    }

    # The VMs: monitored services, the Skype for Business firewall rules, domain and addresses.
    if (-not $SkipVm) {
        $names = @($VmComputerName | Where-Object { $_ })
        if ($names.Count -eq 0 -and $null -ne $ini) {
            $names = @('PrimaryCMS.ServerName', 'MediationServer.ServerName', 'EdgeServer.InternalServerName' |
                ForEach-Object { $ini[$_] } | Where-Object { $_ } | Select-Object -Unique)
        }
        if ($names.Count -eq 0) {
            Add-CollectionError -Step 'VMs' -Note 'No VM names: CloudConnector.ini was not read. Pass -VmComputerName.'
        } else {
            # A variable of its own: assigning $null to the parameter would prompt again.
            $vmCred = $null
            if ($VmCredential -ne [System.Management.Automation.PSCredential]::Empty) { $vmCred = $VmCredential }
            if ($null -eq $vmCred) {
                $domain = 'the appliance domain'
                if ($null -ne $ini -and $ini['Common.VirtualMachineDomain']) { $domain = $ini['Common.VirtualMachineDomain'] }
                Invoke-Step 'Get-Credential' {
                    $script:vmCred = Get-Credential -Message "An administrator of $domain, for Invoke-Command to $($names -join ', ')"
                }
            }
            if ($null -eq $vmCred) {
                Add-CollectionError -Step 'VMs' -Note 'No credential for the VMs: their steps were skipped.'
            } else {
                $services = New-Object System.Collections.Generic.List[object]
                $rules = New-Object System.Collections.Generic.List[object]
                foreach ($vm in $names) {
                    Invoke-Step "Get-Service on $vm" {
                        Invoke-Command -ComputerName $vm -Credential $vmCred -ErrorAction Stop -ScriptBlock {
                            Get-Service -Name REPLICA, MASTER, 'RTC*', MEDSVC -ErrorAction Ignore
                        } | Select-Object Name, DisplayName,
                        @{ Name = 'Status'; Expression = { [string]$_.Status } },
                        @{ Name = 'StartType'; Expression = { [string]$_.StartType } },
                        PSComputerName | ForEach-Object { $services.Add($_) }
                    }
                    Invoke-Step "Get-NetFirewallRule on $vm" {
                        Invoke-Command -ComputerName $vm -Credential $vmCred -ErrorAction Stop -ScriptBlock {
                            Get-NetFirewallRule -DisplayName 'CS RTC*' -ErrorAction Ignore
                        } | Select-Object Name, DisplayName,
                        @{ Name = 'Enabled'; Expression = { [string]$_.Enabled } },
                        @{ Name = 'Direction'; Expression = { [string]$_.Direction } },
                        @{ Name = 'Action'; Expression = { [string]$_.Action } },
                        @{ Name = 'Profile'; Expression = { [string]$_.Profile } },
                        @{ Name = 'PrimaryStatus'; Expression = { [string]$_.PrimaryStatus } },
                        PSComputerName | ForEach-Object { $rules.Add($_) }
                    }
                    Invoke-Step "systeminfo and ipconfig /all on $vm" {
                        $text = Invoke-Command -ComputerName $vm -Credential $vmCred -ErrorAction Stop -ScriptBlock {
                            systeminfo.exe 2>$null
                            ipconfig.exe /all 2>$null
                        }
                        Save-Text "vms\$vm\systeminfo.txt" $text
                    }
                }
                # Written only when some VM answered: an empty list would read as no service at all.
                if ($services.Count -gt 0) {
                    Invoke-Step 'Save Get-Service.json' { Save-Json 'vms\Get-Service.json' $services.ToArray() }
                }
                if ($rules.Count -gt 0) {
                    Invoke-Step 'Save Get-NetFirewallRule.json' { Save-Json 'vms\Get-NetFirewallRule.json' $rules.ToArray() }
                }
            }
        }
    }

    # The tenant's view, from a Skype for Business Online session imported beforehand.
    if (-not $SkipOnline) {
        if (-not (Get-Command Get-CsHybridPSTNSite -ErrorAction Ignore)) {
            Add-CollectionError -Step 'Online cmdlets' -Note ('Get-CsHybridPSTNSite is not available: import a ' +
                'Skype for Business Online session (New-CsOnlineSession, Import-PSSession) first, or pass -SkipOnline.')
        } else {
            foreach ($cmdlet in 'Get-CsHybridPSTNSite', 'Get-CsHybridPSTNAppliance', 'Get-CsHybridMediationServer') {
                Invoke-Step $cmdlet {
                    Save-Text "online\$cmdlet.txt" (& $cmdlet)
                }
            }
        }
    }

    # Transcripts of earlier sessions: the best evidence of what failed, and when.
    Invoke-Step 'Start-Transcript copies' {
        foreach ($folder in $TranscriptPath) {
            if (-not (Test-Path -LiteralPath $folder)) { continue }
            Get-ChildItem -LiteralPath $folder -Filter 'PowerShell_transcript*.txt' -File -Recurse -Depth 1 |
                ForEach-Object { Copy-SharedFile $_.FullName ('transcripts\' + $_.Name) }
        }
    }
} finally {
    $global:FormatEnumerationLimit = $savedEnumerationLimit
    if ($FailedSteps -gt 0) {
        Write-Warning "$FailedSteps step(s) failed: see $ErrorsFile (it is in the zip too)."
    }
    # Closed before the zip is made, which could not read it while it is open.
    if ($transcribing) { Stop-Transcript | Out-Null }
}

$zip = "$OutputPath.zip"
Invoke-Step 'Compress-Archive' {
    Compress-Archive -LiteralPath $OutputPath -DestinationPath $zip -Force
}
if (Test-Path -LiteralPath $zip) {
    Write-Host "Done: $zip"
    Get-Item -LiteralPath $zip
}
