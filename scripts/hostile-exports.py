#!/usr/bin/env python3
"""Writes one export of a shape that used to cost ccdiag memory in proportion to its size.

    scripts/hostile-exports.py SHAPE MEGABYTES FILE

Shapes:
  json            a ConvertTo-Json array of numbers, one a line (CRLF)
  csv             an Export-Csv of short rows
  csv-unbalanced  an Export-Csv of events whose third row opens a quote that never closes
  clixml          Export-Clixml of Get-Service-like objects, UTF-16LE with a BOM as Windows
                  PowerShell writes it, each object naming its types by <TNRef>

The README's Performance section measures them with GNU time, each beside a copy of
examples/cce-host-bundle that must still be diagnosed.
"""
import sys

SERVICE = """  <Obj RefId="{r}">
    <TNRef RefId="0" />
    <ToString>System.ServiceProcess.ServiceController</ToString>
    <Props>
      <B N="CanPauseAndContinue">false</B>
      <B N="CanStop">true</B>
      <S N="DisplayName">Skype for Business Server Service {i}</S>
      <Obj N="DependentServices" RefId="{r1}">
        <TNRef RefId="1" />
        <LST />
      </Obj>
      <S N="MachineName">.</S>
      <S N="ServiceName">RTCSRV{i}</S>
      <Obj N="Status" RefId="{r2}">
        <TNRef RefId="2" />
        <ToString>Running</ToString>
        <I32>4</I32>
      </Obj>
      <Obj N="StartType" RefId="{r3}">
        <TNRef RefId="3" />
        <ToString>Automatic</ToString>
        <I32>2</I32>
      </Obj>
    </Props>
  </Obj>
"""

TYPES = """<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="a"><TN RefId="0"><T>System.ServiceProcess.ServiceController</T><T>System.ComponentModel.Component</T><T>System.Object</T></TN><Props><S N="ServiceName">first</S></Props></Obj>
  <Obj RefId="b"><TN RefId="1"><T>System.ServiceProcess.ServiceController[]</T><T>System.Array</T><T>System.Object</T></TN><LST /></Obj>
  <Obj RefId="c"><TN RefId="2"><T>System.ServiceProcess.ServiceControllerStatus</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Running</ToString><I32>4</I32></Obj>
  <Obj RefId="d"><TN RefId="3"><T>System.ServiceProcess.ServiceStartMode</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Automatic</ToString><I32>2</I32></Obj>
"""


def batches(line, start=0):
    """Endless text, a thousand lines of `line` (formatted with their number) at a time."""
    n = start
    while True:
        yield "".join(line.format(i=i) for i in range(n, n + 1000))
        n += 1000


def shape(name):
    """The head, the body (endless) and the tail of a shape, and its encoding."""
    if name == "json":
        return "[\r\n", batches("    {i},\r\n"), "    0\r\n]\r\n", "utf-8"
    if name == "csv":
        return '"Name","Status","StartType"\r\n', batches('"svc{i}","Running","Automatic"\r\n'), "", "utf-8"
    if name == "csv-unbalanced":
        head = (
            "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n"
            '"Message","Id","ProviderName"\r\n'
            '"Appliance cannot be recovered automatically, please recover manually.","20006","CceManagementService"\r\n'
            '"A message whose quote never closes\r\n'
        )
        return head, batches("line {i} of text inside the value, with , commas\r\n"), "", "utf-8"
    if name == "clixml":
        body = (SERVICE.format(i=i, r=4 * i + 10, r1=4 * i + 11, r2=4 * i + 12, r3=4 * i + 13) for i in range(10**9))
        return TYPES.replace("\n", "\r\n"), (o.replace("\n", "\r\n") for o in body), "</Objs>\r\n", "utf-16-le"
    sys.exit(f"unknown shape {name}: json, csv, csv-unbalanced or clixml")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    name, megabytes, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    head, body, tail, encoding = shape(name)
    size = megabytes * 1_000_000
    with open(path, "wb") as out:
        if encoding == "utf-16-le":
            out.write(b"\xff\xfe")
        written = out.write(head.encode(encoding))
        for text in body:
            if written >= size:
                break
            written += out.write(text.encode(encoding))
        out.write(tail.encode(encoding))


main()
