#!/usr/bin/python3
"""A PLC stand-in for tests: a Modbus TCP server (pymodbus) on 127.0.0.1 holding registers set from the
command line, printing every write it receives as "write <address> <value>" (PDU addresses).

    plc_server.py PORT [ADDRESS=VALUE ...]

Prints "listening <port>" once it serves. Runs until killed.
"""
import asyncio
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer


class RecordingSlave(ModbusSlaveContext):
    def setValues(self, fc_as_hex, address, values):
        for i, value in enumerate(values):
            print(f"write {address + i} {value}", flush=True)
        super().setValues(fc_as_hex, address, values)


async def main():
    port = int(sys.argv[1])
    registers = ModbusSequentialDataBlock(0, [0] * 1000)
    for arg in sys.argv[2:]:
        address, value = (int(x) for x in arg.split("="))
        registers.setValues(address, [value])
    slave = RecordingSlave(hr=registers, zero_mode=True)
    server = await StartAsyncTcpServer(
        context=ModbusServerContext(slaves=slave, single=True),
        address=("127.0.0.1", port),
        allow_reuse_address=True,
        defer_start=True,
    )
    asyncio.get_running_loop().call_soon(lambda: print(f"listening {port}", flush=True))
    await server.serve_forever()


asyncio.run(main())
