; Inno Setup script: the Windows installer of Lotproof, from the PyInstaller folder.
; Build on Windows (docs/packaging.md):
;   python installer\build.py            -> dist\lotproof\  (Tesseract bundled when installed)
;   iscc /DAppVersion=0.1.0 installer\windows\lotproof.iss
;                                         -> dist\lotproof-0.1.0-windows-x64-setup.exe
; Per-user by default (no administrator rights needed); "Install for all users" when elevated.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Lotproof"
#define Source "..\..\dist\lotproof"

[Setup]
AppId={{6B0E4C1E-3F5A-4C8B-9D2E-7A1F0C5B8E34}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Lotproof
VersionInfoDescription=Lotproof quality and compliance workstation
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=lotproof-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\lotproof.ico
UninstallDisplayIcon={app}\lotproof.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole application folder: lotproof.exe (the workstation, no console), lotproof-cli.exe
; (the command-line verbs), _internal\ with Python, Qt, PostgreSQL (pgserver) and Tesseract.
Source: "{#Source}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; The Start-menu entry (and, if chosen, the desktop one).
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\lotproof.exe"; Comment: "Quality and compliance workstation"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\lotproof.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\lotproof.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself wrote beside it; the user's data, settings and logs stay
; (%LOCALAPPDATA%\lotproof) — delete them by hand to remove the embedded database.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
