<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>StatusBar</name>
    <message numerus="yes">
        <source>%n entries waiting to be sent</source>
        <translation>
            <numerusform>%n entry waiting to be sent</numerusform>
            <numerusform>%n entries waiting to be sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n days ago</source>
        <translation>
            <numerusform>Server data from %n day ago</numerusform>
            <numerusform>Server data from %n days ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n hours ago</source>
        <translation>
            <numerusform>Server data from %n hour ago</numerusform>
            <numerusform>Server data from %n hours ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n minutes ago</source>
        <translation>
            <numerusform>Server data from %n minute ago</numerusform>
            <numerusform>Server data from %n minutes ago</numerusform>
        </translation>
    </message>
</context>
</TS>
