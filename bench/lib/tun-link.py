#!/usr/bin/env python3
"""A slow, lossy point-to-point link between the host and a network namespace, made in userspace.

Used by bench/lib/network.ts where the kernel has no netem (sch_netem) to make the delay: two TUN
devices, one left in the host namespace and one moved into the bench's namespace, and this process
between them. Every packet read from one is written to the other after a one-way delay of
rtt/2 +- jitter/2 (uniform), or dropped with probability loss. A packet never overtakes the one
before it in the same direction (departure = max(previous departure, arrival + delay)): netem's
jitter reorders, and reordered TCP segments would measure TCP's recovery instead of the round trip.

The devices are not persistent: they vanish with this process, so a killed bench leaves none.

Usage: tun-link.py NS HOST_DEV NS_DEV HOST_ADDR NS_ADDR PREFIX RTT_MS JITTER_MS LOSS_PERCENT
stdin: a line "RTT_MS JITTER_MS LOSS_PERCENT" reshapes the link (answered by "ok", or "error ..."
and the old shape kept, on stdout);
end of stdin stops the link, so it never outlives whoever started it.
stdout: "ready" once packets flow.
"""

import collections
import fcntl
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# Beyond this many packets waiting in one direction, new ones are dropped (netem's default limit is
# 1000); it bounds memory if one side floods.
QUEUE_LIMIT = 10000
# Packets read from one device before looking at the other and at the clock again.
READ_BATCH = 256
MTU = 1500


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args):
    subprocess.run(['ip', *args], check=True, stdout=subprocess.DEVNULL)


class Shape:
    def __init__(self, rtt_ms, jitter_ms, loss_percent):
        self.one_way = float(rtt_ms) / 2000.0
        self.half_jitter = float(jitter_ms) / 2000.0
        self.loss = float(loss_percent) / 100.0
        if self.one_way < 0 or self.half_jitter < 0 or not 0 <= self.loss <= 1:
            raise ValueError('rtt and jitter must be >= 0 and loss within 0..100')

    def delay(self):
        if self.half_jitter == 0:
            return self.one_way
        return max(0.0, self.one_way + random.uniform(-self.half_jitter, self.half_jitter))


class Direction:
    """Packets on their way from one device to the other, in departure order."""

    def __init__(self, source, target):
        self.source = source
        self.target = target
        self.queue = collections.deque()
        self.last_departure = 0.0

    def receive(self, shape, now):
        for _ in range(READ_BATCH):
            try:
                packet = os.read(self.source, 65536)
            except BlockingIOError:
                return
            except OSError as error:
                # The device was deleted (its namespace removed): the link has nothing left to do.
                raise SystemExit('tun-link: a device went away (%s)' % error)
            if shape.loss > 0 and random.random() < shape.loss:
                continue
            if len(self.queue) >= QUEUE_LIMIT:
                continue
            departure = max(self.last_departure, now + shape.delay())
            self.last_departure = departure
            self.queue.append((departure, packet))

    def send_due(self, now):
        queue = self.queue
        while queue and queue[0][0] <= now:
            packet = queue.popleft()[1]
            try:
                os.write(self.target, packet)
            except OSError:
                pass  # the device is going away or its queue is full: a lost packet, as on a wire

    def next_departure(self):
        return self.queue[0][0] if self.queue else None


def main():
    ns, host_dev, ns_dev, host_addr, ns_addr, prefix = sys.argv[1:7]
    shape = Shape(*sys.argv[7:10])
    # Ctrl-C reaches the whole foreground process group: the bench cleans up and ends this process
    # itself, and the link has to keep carrying packets until it does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    host_fd = open_tun(host_dev)
    # TUNSETIFF finds or makes the device in the namespace /dev/net/tun was opened in; a device
    # moved to another namespace afterwards stays attached to this descriptor.
    ns_fd = open_tun(ns_dev)
    ip('link', 'set', 'dev', ns_dev, 'netns', ns)
    ip('link', 'set', 'dev', host_dev, 'mtu', str(MTU))
    ip('addr', 'add', '%s/%s' % (host_addr, prefix), 'dev', host_dev)
    ip('link', 'set', 'dev', host_dev, 'up')
    ip('-n', ns, 'link', 'set', 'dev', ns_dev, 'mtu', str(MTU))
    ip('-n', ns, 'addr', 'add', '%s/%s' % (ns_addr, prefix), 'dev', ns_dev)
    ip('-n', ns, 'link', 'set', 'dev', ns_dev, 'up')
    ip('-n', ns, 'link', 'set', 'dev', 'lo', 'up')

    outbound = Direction(host_fd, ns_fd)
    inbound = Direction(ns_fd, host_fd)
    directions = {host_fd: outbound, ns_fd: inbound}
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending_line = b''
    sys.stdout.write('ready\n')
    sys.stdout.flush()

    watched = [host_fd, ns_fd, stdin]
    while True:
        now = time.monotonic()
        departures = [d for d in (outbound.next_departure(), inbound.next_departure()) if d is not None]
        # select() rather than poll(): its timeout has microseconds, poll()'s whole milliseconds
        # would add up to 1 ms to every hop.
        timeout = max(0.0, min(departures) - now) if departures else None
        readable = select.select(watched, [], [], timeout)[0]
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                try:
                    chunk = os.read(stdin, 4096)
                except BlockingIOError:
                    continue
                if not chunk:
                    return
                pending_line += chunk
                while b'\n' in pending_line:
                    line, pending_line = pending_line.split(b'\n', 1)
                    if not line.strip():
                        continue
                    try:
                        shape = Shape(*line.split())
                        sys.stdout.write('ok\n')
                    except (TypeError, ValueError) as error:
                        sys.stdout.write('error %s\n' % error)
                    sys.stdout.flush()
            else:
                directions[fd].receive(shape, now)
        outbound.send_due(now)
        inbound.send_due(now)


if __name__ == '__main__':
    try:
        main()
    except BrokenPipeError:
        pass
