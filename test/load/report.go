package main

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// Targets of issue 6, for Postgres and 32 clients, and of issue 14 for logins.
const (
	targetProfileRate = 8000.0
	targetProfileP99  = 20 * time.Millisecond
	targetLoginShare  = 0.90 // of the Argon2id bound: one hash per core at once
	targetPeakRSS     = 100 << 20
)

// maxOtherCores is how much CPU other work may take before the report calls a run unreliable.
const maxOtherCores = 0.15

func report(out io.Writer, o options, results []result, cost hashCost) {
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tok req/s\tp50\tp99\terrors\tCPU: service\tdatabase\tgenerator\tother\tRSS at start\tpeak RSS\t")
	busy := false
	for _, r := range results {
		seconds := r.elapsed.Seconds()
		cores := func(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()/seconds) }
		database := cores(r.cpu.database)
		if o.db != "postgres" {
			database = "in service"
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			r.label, r.rate(), ms(r.p50), ms(r.p99), r.errors,
			cores(r.cpu.service), database, cores(r.cpu.generator), cores(r.cpu.other()), mib(r.startRSS), mib(r.peakRSS))
		for _, p := range r.parts {
			fmt.Fprintf(tw, "  of which %s (max %s)\t%.1f\t%s\t%s\t%d\t\t\t\t\t\t\t\n",
				p.kind, ms(p.max), float64(p.ok)/seconds, ms(p.p50), ms(p.p99), p.errors)
		}
		busy = busy || r.cpu.other().Seconds()/seconds > maxOtherCores
	}
	tw.Flush()
	fmt.Fprintf(out, "CPU in cores of %d: the service, the database server, this generator, and other work on the machine.\n", runtime.NumCPU())
	if busy {
		fmt.Fprintf(out, "WARNING: other work used more than %.2f cores during a scenario: the machine was not idle and the figures are low.\n", maxOtherCores)
	}
	for _, r := range results {
		if r.cumulativeRSS {
			fmt.Fprintf(out, "%s: peak RSS since the service started (VmHWM could not be reset)\n", r.label)
		}
		if r.sample != "" {
			fmt.Fprintf(out, "first failure of %s: %s\n", r.label, r.sample)
		}
		if r.exhausted {
			fmt.Fprintf(out, "%s: the clients used every mobile that had a code before the time was up\n", r.label)
		}
	}

	fmt.Fprintf(out, "\nArgon2id (%s) on an idle machine: one hash %s, so %d cores could do %.1f hashes/s if they did not share "+
		"memory bandwidth; the bound, measured with %[3]d hashes at once: %.1[5]f hashes/s\n",
		cost.params, ms(cost.single), runtime.NumCPU(), linearBound(cost.single), cost.parallelRate)

	fmt.Fprintf(out, "\ntargets (issue 6: Postgres, 32 clients; this run: %s, %d clients)\n", o.db, o.concurrency)
	if r, n := median(results, "profile", result.rate); n > 0 {
		fmt.Fprintf(out, "  GET /users/1/ >= %.0f req/s with p99 < %s: %.0f req/s, p99 %s%s: %s\n",
			targetProfileRate, ms(targetProfileP99), r.rate(), ms(r.p99), ofRuns(n),
			verdict(r.rate() >= targetProfileRate && r.p99 < targetProfileP99 && r.errors == 0))
	}
	if r, n := median(results, "login", result.boundShare); n > 0 {
		fmt.Fprintf(out, "  POST /login/ >= %.0f%% of the Argon2id bound (%d hashes at once just before and just after: %.1f and %.1f hashes/s): %.1f/s = %.1f%%%s: %s\n",
			targetLoginShare*100, runtime.NumCPU(), r.hashBefore.parallelRate, r.hashAfter.parallelRate,
			r.rate(), r.boundShare()*100, ofRuns(n), verdict(r.boundShare() >= targetLoginShare && r.errors == 0))
		fmt.Fprintf(out, "    (one hash alone just before and just after: %s and %s; %.1f%% of what %d cores could do without sharing memory bandwidth)\n",
			ms(r.hashBefore.single), ms(r.hashAfter.single),
			100*r.rate()/linearBound((r.hashBefore.single+r.hashAfter.single)/2), runtime.NumCPU())
	}
	if len(results) > 0 {
		peak := slices.MaxFunc(results, func(a, b result) int { return int(a.peakRSS - b.peakRSS) }).peakRSS
		fmt.Fprintf(out, "  peak RSS < %d MiB: %s: %s\n", targetPeakRSS>>20, mib(peak), verdict(peak < targetPeakRSS))
	}
}

// median returns the run of the scenario named name that is the median by score (the
// higher of the two middle ones for an even count), and how many runs it had.
func median(results []result, name string, score func(result) float64) (result, int) {
	var runs []result
	for _, r := range results {
		if r.name == name {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return result{}, 0
	}
	slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(score(a), score(b)) })
	return runs[len(runs)/2], len(runs)
}

func ofRuns(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (median of %d runs)", n)
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }
