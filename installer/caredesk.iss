; Inno Setup 6 script: careDesk for every user of a Windows workstation.
;
; Build on Windows after `make dist` (dist\caredesk\ holds the one-folder app):
;     iscc /DAppVersion=0.1.0 installer\caredesk.iss
; Signed (installer/README.md), with a sign tool named "signtool" set up in Inno Setup:
;     iscc /DAppVersion=0.1.0 /DSign "/Ssigntool=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f" installer\caredesk.iss
; Output: dist\caredesk-<version>-windows-x64-setup.exe
;
; Per-machine install in Program Files (administrator rights), one Start-menu entry. The clinic's
; data is not in the program folder: each user's vault is in %LOCALAPPDATA%\careDesk\careDesk
; and logs under its Logs folder (platformdirs), which the uninstaller never touches.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
; The AppId ties upgrades and the uninstaller to this app: never change it.
AppId={{12C26C60-6EF4-413A-8284-2EBF734A0A11}
AppName=careDesk
AppVersion={#AppVersion}
AppVerName=careDesk {#AppVersion}
AppPublisher=careDesk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\careDesk
DefaultGroupName=careDesk
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename=caredesk-{#AppVersion}-windows-x64-setup
SetupIconFile=icons\caredesk.ico
UninstallDisplayIcon={app}\caredesk.exe
UninstallDisplayName=careDesk
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
; The whole one-folder app; files left from an older version are replaced.
Source: "..\dist\caredesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade starts from a clean program folder (never the users' data, which lives elsewhere).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\careDesk"; Filename: "{app}\caredesk.exe"; WorkingDir: "{app}"; Comment: "Care management for small clinics"

[Run]
Filename: "{app}\caredesk.exe"; Description: "Start careDesk"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; %LOCALAPPDATA%\careDesk (vaults, backups, logs) stays.
Type: filesandordirs; Name: "{app}"
