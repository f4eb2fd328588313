package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Revision is the VCS revision stamped by the linker (-X …/services/cli.Revision=…) when the build
// has no VCS information of its own: the image builds without .git (.dockerignore), so the
// Dockerfile passes it as a build argument.
var Revision string

// VersionLine describes this build: module version, VCS revision (with "+modified" when the work
// tree had uncommitted changes), commit time and Go version, from runtime/debug.ReadBuildInfo.
func VersionLine() string {
	version, revision, at, modified := "(unknown)", Revision, "", false
	goVersion := runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	parts := []string{"slotpay", version}
	if revision != "" {
		if modified {
			revision += "+modified"
		}
		parts = append(parts, "revision "+revision)
	}
	if at != "" {
		parts = append(parts, "committed "+at)
	}
	parts = append(parts, goVersion, runtime.GOOS+"/"+runtime.GOARCH)
	return strings.Join(parts, " ")
}
