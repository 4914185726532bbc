#!/usr/bin/env python3
"""test_plugin.py PLUGIN online HOST_UUID | PLUGIN stopped

The xapi plugin packaging/xapi/plugins/hbagent, imported as xapi's plugin
runner would load it but with the stand-in XenAPIPlugin of this directory
(PYTHONPATH), called against host 0 of test_xapi_scripts.sh's pool
(HBCTL and HBAGENT_CONF in the environment):
  online:  status, liveset, liveset_xml, timeouts, fence_log all answer;
           the documents are the agent's (phase online, status Online, the
           local host's uuid); the file also runs as a program (dispatch);
  stopped: status, liveset, liveset_xml raise XenAPIPlugin.Failure
           ("HBAGENT_ERROR", ["14", <hbctl's message>]); timeouts and
           fence_log still answer (they need no agent).
Prints one summary line; exits 1 on the first failed check.
"""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import XenAPIPlugin


def load(path):
    loader = importlib.machinery.SourceFileLoader("hbagent_plugin", path)
    spec = importlib.util.spec_from_loader("hbagent_plugin", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def check(cond, what):
    if not cond:
        print("FAILED: " + what)
        sys.exit(1)


def online(p, plugin_path, host_uuid):
    st = json.loads(p.status(None, {}))
    check(st.get("phase") == "online", "status phase %r" % st.get("phase"))
    check(st.get("agent", {}).get("host_uuid") == host_uuid, "status agent.host_uuid %r" % st.get("agent"))
    ls = json.loads(p.liveset(None, {}))
    check(ls.get("status") == "Online", "liveset status %r" % ls.get("status"))
    check(len(ls.get("hosts", [])) == 3, "liveset hosts %r" % ls.get("hosts"))
    root = ET.fromstring(p.liveset_xml(None, {}))
    check(root.tag == "ha_liveset_info", "liveset_xml root <%s>" % root.tag)
    check(root.findtext("status") == "Online", "liveset_xml status %r" % root.findtext("status"))
    check(root.findtext("localhost/HostID") == host_uuid, "liveset_xml localhost %r" % root.findtext("localhost/HostID"))
    check(len(root.findall("host")) == 3, "liveset_xml has %d <host>" % len(root.findall("host")))
    to = json.loads(p.timeouts(None, {}))
    check(to["configured"]["heartbeat_timeout_ms"] == 6000, "timeouts %r" % to.get("configured"))
    json.loads(p.fence_log(None, {}))
    # run as xapi runs it: the file itself, dispatching one function
    out = subprocess.run([sys.executable, plugin_path, "status"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=False)
    check(out.returncode == 0, "dispatch status: exit %d: %s" % (out.returncode, out.stderr.decode()))
    check(json.loads(out.stdout)["phase"] == "online", "dispatch status output")
    return "status, liveset, liveset_xml, timeouts, fence_log and dispatch answer"


def stopped(p):
    for fn in (p.status, p.liveset, p.liveset_xml):
        try:
            fn(None, {})
        except XenAPIPlugin.Failure as e:
            check(e.code == "HBAGENT_ERROR", "%s: code %r" % (fn.__name__, e.code))
            check(e.params[0] == "14", "%s: params %r" % (fn.__name__, e.params))
            check(len(e.params) == 2 and e.params[1], "%s: no message: %r" % (fn.__name__, e.params))
        else:
            check(False, "%s: no Failure without an agent" % fn.__name__)
    json.loads(p.timeouts(None, {}))
    json.loads(p.fence_log(None, {}))
    # a missing hbctl: SYSTEM_ERROR, not a traceback
    os.environ["HBCTL"] = "/nonexistent/hbctl"
    try:
        p.status(None, {})
    except XenAPIPlugin.Failure as e:
        check(e.params[0] == "2", "missing hbctl: params %r" % e.params)
    else:
        check(False, "missing hbctl: no Failure")
    return "Failure HBAGENT_ERROR 14 from status/liveset/liveset_xml; timeouts and fence_log answer"


def main():
    plugin_path, mode = sys.argv[1], sys.argv[2]
    p = load(plugin_path)
    check(p.XenAPIPlugin is XenAPIPlugin, "the plugin did not import XenAPIPlugin")
    if mode == "online":
        print(online(p, plugin_path, sys.argv[3]))
    else:
        print(stopped(p))


if __name__ == "__main__":
    main()
