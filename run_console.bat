@echo off
rem V5 console launcher for the trading PC: runs the console from this folder.
setlocal
cd /d "%~dp0"
set PYTHONUTF8=1
set "PY=python"
if exist ".venv\Scripts\python.exe" set "PY=.venv\Scripts\python.exe"
"%PY%" -m console %*
exit /b %ERRORLEVEL%
