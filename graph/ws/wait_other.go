//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package ws

import (
	"net"
	"syscall"
)

// rawConn: the reader then waits inside the WebSocket library's read.
func rawConn(net.Conn) syscall.RawConn { return nil }

func awaitReadable(syscall.RawConn) {}
