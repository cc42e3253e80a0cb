"""The seed's access path (part 4.4): SSH over SSM with -D, and the browser's SOCKS proxy settings.

Pure (no AWS call); kept with the other notebook tests.
"""

from __future__ import annotations

import shlex

import pytest

from safemaker.notebook import BROWSERS, NotebookInputError, proxy_instructions

INSTANCE = "i-0123456789abcdef0"
SSM = "aws ssm start-session --target i-0123456789abcdef0 --document-name AWS-StartSSHSession"


def test_proxy_instructions_seed_defaults_exact():
    p = proxy_instructions(INSTANCE, "~/.ssh/ifsm.pem", "10.0.1.23")
    assert p.ssh_command == (
        f'ssh -o ProxyCommand="sh -c \'{SSM}\'" -i ~/.ssh/ifsm.pem -D 8888 ec2-user@10.0.1.23')
    assert p.ssh_argv == ("ssh", "-o", f"ProxyCommand=sh -c '{SSM}'", "-i", "~/.ssh/ifsm.pem", "-D", "8888",
                          "ec2-user@10.0.1.23")
    assert shlex.split(p.ssh_command) == list(p.ssh_argv)
    assert p.proxy_server == "socks5://localhost:8888"
    assert p.host_resolver_rules == "MAP * ~NOTFOUND , EXCLUDE localhost"
    assert p.browser_command == (
        r"/Applications/Google\ Chrome.app/Contents/MacOS/Google\ Chrome "
        '--proxy-server="socks5://localhost:8888" '
        '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE localhost"')
    assert p.text() == "\n".join([
        "# 1. Open an SSH session over AWS Systems Manager with dynamic port forwarding",
        "#    (a SOCKS proxy on localhost:8888); keep it open:",
        p.ssh_command,
        "",
        "# 2. Start the browser with that SOCKS proxy (Google Chrome on macOS):",
        p.browser_command,
        "#    Quit every running Chrome window first: a running Chrome ignores these options.",
        "",
        "# 3. Open the presigned URL (safemaker notebook url NAME --show) in that browser.",
    ])


def test_proxy_instructions_user_values_are_filled_and_quoted():
    p = proxy_instructions("i-0abcdef1", "/home/me/My Keys/it's.pem", "fd00::23", local_port=9999,
                           ssh_user="ubuntu", browser="chrome-linux", region="ap-northeast-1")
    assert p.ssh_command == (
        "ssh -o ProxyCommand=\"sh -c 'aws ssm start-session --target i-0abcdef1 --document-name "
        "AWS-StartSSHSession --region ap-northeast-1'\" -i '/home/me/My Keys/it'\"'\"'s.pem' -D 9999 "
        "ubuntu@fd00::23")
    argv = shlex.split(p.ssh_command)
    assert argv == list(p.ssh_argv)
    assert argv[4] == "/home/me/My Keys/it's.pem"
    assert p.browser_command == ('google-chrome --proxy-server="socks5://localhost:9999" '
                                 '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE localhost"')


def test_proxy_instructions_home_key_with_space_keeps_tilde_expandable():
    p = proxy_instructions(INSTANCE, "~/keys/ifsm key.pem", "10.0.1.23")
    assert " -i ~/'keys/ifsm key.pem' " in p.ssh_command
    assert shlex.split(p.ssh_command)[4] == "~/keys/ifsm key.pem"


def test_proxy_instructions_windows_and_firefox():
    w = proxy_instructions(INSTANCE, "C:/Users/me/ifsm.pem", "172.31.5.6", browser="chrome-windows")
    assert w.browser_command == (
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --proxy-server="socks5://localhost:8888" '
        '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE localhost"')
    f = proxy_instructions(INSTANCE, "k.pem", "192.168.0.9", browser="firefox", local_port=1080)
    assert f.browser_command is None
    assert f.browser_settings == (
        "Settings > Network Settings > Manual proxy configuration:",
        "SOCKS Host: localhost   Port: 1080   SOCKS v5",
        "Check 'Proxy DNS when using SOCKS v5' (network.proxy.socks_remote_dns = true)",
    )
    assert "SOCKS Host: localhost   Port: 1080   SOCKS v5" in f.text()
    assert set(BROWSERS) == {"chrome-macos", "chrome-linux", "chrome-windows", "firefox"}


@pytest.mark.parametrize("kwargs, field, expected", [
    ({"instance_id": "i-123"}, "instance_id", "an EC2 instance ID"),
    ({"instance_id": "i-0123456789ABCDEF0"}, "instance_id", "an EC2 instance ID"),
    ({"instance_id": "i-0123; rm -rf /"}, "instance_id", "an EC2 instance ID"),
    ({"instance_id": INSTANCE + "\n"}, "instance_id", "an EC2 instance ID"),
    ({"private_key_path": ""}, "private_key_path", "a file path"),
    ({"private_key_path": "~/.ssh/"}, "private_key_path", "the path of a file, not a directory"),
    ({"private_key_path": "~/.ssh/ifsm.pem.pub"}, "private_key_path", "the private key, not the public key"),
    ({"private_key_path": "ifsm.ppk"}, "private_key_path", "an OpenSSH private key, not a PuTTY .ppk file"),
    ({"private_key_path": "a\nb"}, "private_key_path", "a path without NUL or line breaks"),
    ({"private_ip": "54.250.1.2"}, "private_ip", "a private address inside the VPC"),
    ({"private_ip": "127.0.0.1"}, "private_ip", "a private address inside the VPC"),
    ({"private_ip": "10.0.1"}, "private_ip", "an IPv4 or IPv6 address"),
    ({"private_ip": "ip-10-0-1-23"}, "private_ip", "an IPv4 or IPv6 address"),
    ({"local_port": 80}, "local_port", "an integer from 1024 to 65535"),
    ({"local_port": 65536}, "local_port", "an integer from 1024 to 65535"),
    ({"local_port": True}, "local_port", "an integer from 1024 to 65535"),
    ({"local_port": "8888"}, "local_port", "an integer from 1024 to 65535"),
    ({"ssh_user": "Ec2 User"}, "ssh_user", "a login name"),
    ({"ssh_user": "ec2-user\n"}, "ssh_user", "a login name"),
    ({"browser": "safari"}, "browser", "one of 'chrome-macos', 'chrome-linux', 'chrome-windows', 'firefox'"),
    ({"region": "tokyo"}, "region", "an AWS region name such as 'us-east-1'"),
])
def test_proxy_instructions_bad_values(kwargs, field, expected):
    args = {"instance_id": INSTANCE, "private_key_path": "~/.ssh/ifsm.pem", "private_ip": "10.0.1.23", **kwargs}
    with pytest.raises(NotebookInputError) as info:
        proxy_instructions(args.pop("instance_id"), args.pop("private_key_path"), args.pop("private_ip"), **args)
    assert info.value.field == field
    assert info.value.found == kwargs[field]
    assert str(info.value).startswith(f"{field} is {kwargs[field]!r}; expected {expected}")
