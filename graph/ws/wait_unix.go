//go:build linux || darwin || freebsd || netbsd || openbsd

package ws

import (
	"errors"
	"net"
	"syscall"
)

// rawConn returns conn's descriptor for awaitReadable, or nil when it has none (TLS, a pipe).
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// awaitReadable parks the calling goroutine until rc has bytes to read, is closed or failed,
// without reading anything: it peeks. Parked here a goroutine's stack is a few hundred bytes
// deep, where parked inside the WebSocket library's read it is a few kilobytes.
func awaitReadable(rc syscall.RawConn) {
	var b [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		for {
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK):
				return false // nothing yet: wait for the poller
			}
			return true // data, end of stream, or an error the next read reports
		}
	})
}
