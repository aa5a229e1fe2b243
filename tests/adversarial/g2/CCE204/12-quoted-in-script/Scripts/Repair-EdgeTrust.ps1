<#
.SYNOPSIS
    Imports the Woodgrove root and issuing CA certificates on the Cloud Connector Edge VM.
.NOTES
    Use when Start-CsWindowsService reports:
      "Service RTCMRAUTH failed to start. Check to make sure the service is not disabled."
    (Cloud Connector before 1.4.2: the Edge does not trust the chain of the external certificate.)
#>
param(
    [string]$EdgeManagementIP = '192.168.213.5',
    [string]$ChainFolder = 'C:\CCE\Certs\chain'
)

$cred = Get-CcCredential -AccountType VmAdmin
$session = New-PSSession -ComputerName $EdgeManagementIP -Credential $cred
try {
    foreach ($file in Get-ChildItem $ChainFolder -Filter *.cer) {
        $bytes = [IO.File]::ReadAllBytes($file.FullName)
        Invoke-Command -Session $session -ArgumentList $bytes, $file.Name -ScriptBlock {
            param($raw, $name)
            $path = Join-Path $env:TEMP $name
            [IO.File]::WriteAllBytes($path, $raw)
            $store = if ($name -like '*root*') { 'Cert:\LocalMachine\Root' } else { 'Cert:\LocalMachine\CA' }
            Import-Certificate -FilePath $path -CertStoreLocation $store | Out-Null
        }
    }
    Write-Host "Chain imported. Restart the Edge VM, then check RTCMRAUTH and RTCSRV before Switch-CcVersion."
    Write-Warning "If you still see 'Service RTCMRAUTH failed to start. Check to make sure the service is not disabled.' the chain is incomplete."
}
finally {
    Remove-PSSession $session
}
