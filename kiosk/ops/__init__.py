"""The operations layer: one function per thing a person does at a device (DESIGN.md §1).

Qt-free. Writes run on one writer thread, reads on a small pool; every op returns an
OpHandle at once, with `.success(fn)` / `.failure(fn)` delivered on the GUI thread. Ops tell
listeners what changed through kiosk.ops.events. Start at kiosk.ops.device.build_device;
docs/ops.md describes it all for the people building screens.
"""
