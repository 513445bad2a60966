// alived-mimetype: the Content-Type a Kubo gateway gives a file it has no name for.
// ipfs/boxo's gateway (handler_unixfs_file.go) types such a file with
// gabriel-vasile/mimetype's DetectReader over the file's first bytes (the library
// reads at most 3072); this helper runs Debian's build of that same library.
//
//   alived-mimetype FILE...   one type per file, one line each
//   alived-mimetype --stdin   a long-running child: reads blobs, each a 4-byte
//                             big-endian length then the bytes, and answers one
//                             type per line; exits at end of input
//
// Built in GOPATH mode against Debian's packages (scripts/install-deps --test).
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/gabriel-vasile/mimetype"
)

func detect(data []byte) string {
	mime, err := mimetype.DetectReader(bytes.NewReader(data))
	if err != nil {
		// boxo answers 500 "cannot detect content-type" then; a reader over
		// memory never fails, so this is a broken helper, not a type.
		fmt.Fprintln(os.Stderr, "alived-mimetype:", err)
		os.Exit(2)
	}
	return mime.String()
}

func serve() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	var size [4]byte
	for {
		if _, err := io.ReadFull(in, size[:]); err != nil {
			if err == io.EOF {
				return
			}
			fmt.Fprintln(os.Stderr, "alived-mimetype: length:", err)
			os.Exit(2)
		}
		blob := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(in, blob); err != nil {
			fmt.Fprintln(os.Stderr, "alived-mimetype: blob:", err)
			os.Exit(2)
		}
		fmt.Fprintln(out, detect(blob))
		out.Flush()
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--stdin" {
		serve()
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: alived-mimetype FILE... | --stdin")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "alived-mimetype:", err)
			os.Exit(1)
		}
		fmt.Println(detect(data))
	}
}
