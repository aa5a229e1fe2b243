# Post-Install-Checks.ps1 - run after Install-CcAppliance on each host
# Known noise during the AD step:
#   WARNING: Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is automatically updated, turn on Windows Update.
# It is harmless when the site has EnableAutoUpdate True.

$site = 'Leeds'
Write-Host "Tip: if Install-CcAppliance printed 'Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is automatically updated, turn on Windows Update.'"
Write-Host "     run Get-CsHybridPSTNSite -Identity $site in a tenant session and check EnableAutoUpdate."
Get-Service CceManagementService | Format-Table Status, Name -AutoSize
