# Export-SfboReport.ps1 - nightly user report (Task Scheduler, runs as svc-sfboreport)
$ErrorActionPreference = 'Stop'
try {
    $s = New-CsOnlineSession -Credential (Import-Clixml C:\Jobs\sfbo.cred)
    Import-PSSession $s -AllowClobber | Out-Null
    $users = Get-CsOnlineUser -ResultSize Unlimited
    $users | Select-Object DisplayName, UserPrincipalName, EnterpriseVoiceEnabled, LineURI |
        Export-Csv C:\Jobs\out\sfbo-users.csv -NoTypeInformation -Encoding UTF8
    "Report written: $($users.Count) users" | Out-File C:\Jobs\out\last-run.txt -Encoding utf8
}
catch {
    if ($_.Exception.Message -match 'The ability to connect to this tenant by using a remote PowerShell session has been disabled') {
        Send-MailMessage -To oncall@contosopharma.com -From sfbo-report@contosopharma.com -SmtpServer smtp.contosopharma.com `
            -Subject 'SfBO remote PowerShell disabled for tenant' -Body 'Open a case: EnableRemotePowerShellAccess must be True.'
    }
    throw
}
finally {
    if ($s) { Remove-PSSession $s }
}
