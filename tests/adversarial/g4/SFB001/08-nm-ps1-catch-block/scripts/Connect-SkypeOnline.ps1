<#
.SYNOPSIS
    Connects to Skype for Business Online with the Lync Online connector.
    Tailspin Toys IT - maintained by infra-voice@tailspintoys.com
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$UserPrincipalName
)

try {
    Import-Module LyncOnlineConnector -ErrorAction Stop
}
catch [System.Management.Automation.PSSecurityException] {
    # Seen on fresh jump hosts:
    # Import-Module : File C:\Program Files\Common Files\Microsoft Lync Server 2013\Modules\LyncOnlineConnector\LyncOnlineConnectorStartup.psm1 cannot be loaded because running scripts is disabled on this system.
    #     + CategoryInfo          : SecurityError: (:) [Import-Module], PSSecurityException
    #     + FullyQualifiedErrorId : UnauthorizedAccess,Microsoft.PowerShell.Commands.ImportModuleCommand
    Write-Warning "LyncOnlineConnectorStartup.psm1 cannot be loaded because running scripts is disabled on this system. Run 'Set-ExecutionPolicy RemoteSigned' in an elevated PowerShell and try again."
    return
}

$cred = Get-Credential -UserName $UserPrincipalName -Message 'Skype for Business Online admin'
$global:SfboSession = New-CsOnlineSession -Credential $cred
Import-PSSession $global:SfboSession -AllowClobber | Out-Null
Write-Host "Connected to $($global:SfboSession.ComputerName)"
