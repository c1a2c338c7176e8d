// pinger: a tiny HTTP service. The same binary is its own health check
// (`pinger -healthcheck`), so the image needs no shell, curl or wget.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

var version = "1.0.0"

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	healthcheck := flag.Bool("healthcheck", false, "probe a running pinger on -addr and exit 0 when it answers")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println("pinger", version)
		return
	}
	if *healthcheck {
		os.Exit(probe(*addr))
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"pong": time.Now().UTC().Format(time.RFC3339)})
	})
	log.Printf("pinger %s listening on %s", version, *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

func probe(addr string) int {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://127.0.0.1" + addr + "/health")
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy: status", resp.StatusCode)
		return 1
	}
	return 0
}
