; Inno Setup 6.3+ script: wraps the one-folder PyInstaller build dist\cnnrnn-studio\ into
; dist\cnnrnn-studio-<version>-windows-x64-setup.exe with Start-menu and desktop shortcuts
; and an uninstaller (Settings > Apps). Build the folder first (packaging\README.md), then:
;   iscc /DAppVersion=0.1.0 packaging\windows\cnnrnn-studio.iss
; Add /DVariant=-cuda for the CUDA build. Paths below are relative to this file.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Variant
  #define Variant ""
#endif
#define AppName "CNN-RNN Studio"
#define AppExe "cnnrnn-studio.exe"

[Setup]
; AppId identifies the app for upgrades and the uninstaller: never change it.
AppId={{F516A910-7845-44C2-ACC7-7F8E2FADE23E}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=CNN-RNN Studio
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights; the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=cnnrnn-studio-{#AppVersion}-windows-x64{#Variant}-setup
SetupIconFile=..\..\resources\icons\app\cnnrnn-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\..\dist\cnnrnn-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent
