// Command phoneauth serves the phone sign-up API; `phoneauth migrate up|down|status`
// manages the database schema. Configuration comes from the environment (see README).
package main

import (
	"context"
	"fmt"
	"os"
	_ "time/tzdata" // --time-zone works on machines without a zone database

	"github.com/phoneauth/phoneauth/bootstrap"
)

func main() {
	if err := bootstrap.Main(context.Background(), os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "phoneauth:", err)
		os.Exit(1)
	}
}
