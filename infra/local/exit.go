package local

import (
	"fmt"
	"io"
	"os"
)

// Exit is a command's exit status for the error its run returned: 0, or 1
// once the error is printed on stderr after the command's name, so every
// local command ends the same way (func main() { os.Exit(local.Exit(name,
// run())) }).
func Exit(name string, err error) int { return exit(os.Stderr, name, err) }

func exit(w io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(w, name+":", err)
	return 1
}
