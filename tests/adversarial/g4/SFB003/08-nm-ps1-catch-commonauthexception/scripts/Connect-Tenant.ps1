param([Parameter(Mandatory)][pscredential]$Credential)

Import-Module SkypeOnlineConnector
try {
    $session = New-CsOnlineSession -Credential $Credential -ErrorAction Stop
}
catch [Microsoft.Rtc.Admin.Authentication.CommonAuthException] {
    if ($_.Exception.Message -like '*Failed to connect live id servers*') {
        Write-Warning 'Get-CsWebTicket : Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers.'
        Write-Warning 'Check: Get-Service msoidsvc ; Start-Service msoidsvc ; https://login.microsoftonline.com'
    }
    throw
}
Import-PSSession $session -AllowClobber | Out-Null
$session
