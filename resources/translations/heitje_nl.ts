<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl" sourcelanguage="en">
<context>
    <name>ContrastButton</name>
    <message>
        <source>High contrast</source>
        <translation>Hoog contrast</translation>
    </message>
    <message>
        <source>Normal contrast</source>
        <translation>Gewoon contrast</translation>
    </message>
    <message>
        <source>Switch to high contrast</source>
        <translation>Zet hoog contrast aan</translation>
    </message>
    <message>
        <source>Switch to normal contrast</source>
        <translation>Zet gewoon contrast aan</translation>
    </message>
</context>
<context>
    <name>LanguageButton</name>
    <message>
        <source>Switch to Dutch</source>
        <translation>Kies Nederlands</translation>
    </message>
    <message>
        <source>Switch to English</source>
        <translation>Kies Engels</translation>
    </message>
</context>
</TS>
