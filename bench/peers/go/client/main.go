// bench/peers/go/client/main.go - the bench.Bench client on grpc-go: one
// ClientConn (one HTTP/2 connection), `conc` goroutines each with one call
// in flight.  Same flags and the same RESULT line as
// bench/lwg/bench_client.c.
//
//	build/bench/bin/go_bench_client --server=127.0.0.1:PORT
//	    [--mode=unary|sstream|cstream] [--conc=1] [--size=100]
//	    [--secs=2] [--warmup=0.5] [--calls=0] [--count=1000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	pb "lwgbench/benchpb"
)

func main() {
	server := flag.String("server", "127.0.0.1:50051", "HOST:PORT")
	mode := flag.String("mode", "unary", "unary|sstream|cstream")
	conc := flag.Int("conc", 1, "calls in flight")
	size := flag.Int("size", 100, "payload bytes")
	count := flag.Int("count", 1000, "messages per streaming call")
	secs := flag.Float64("secs", 2, "measured seconds")
	warmup := flag.Float64("warmup", 0.5, "unmeasured seconds first")
	calls := flag.Uint64("calls", 0, "run exactly this many calls (no warm-up)")
	flag.Parse()
	if *conc < 1 || (*mode != "unary" && *mode != "sstream" && *mode != "cstream") {
		flag.Usage()
		os.Exit(2)
	}

	conn, err := grpc.Dial(*server, grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<20)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_bench_client:", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := pb.NewBenchClient(conn)
	data := make([]byte, *size)
	for i := range data {
		data[i] = 'x'
	}
	payload := &pb.Payload{Data: data}
	chunk := &pb.Chunk{Data: data}

	t0 := time.Now()
	tMeasure := t0.Add(time.Duration(*warmup * float64(time.Second)))
	tStop := tMeasure.Add(time.Duration(*secs * float64(time.Second)))
	if *calls > 0 {
		tMeasure = t0
	}
	var started, errors uint64
	mayStart := func() bool {
		if *calls > 0 {
			return atomic.AddUint64(&started, 1) <= *calls
		}
		return time.Now().Before(tStop)
	}

	lats := make([][]uint32, *conc)
	bytes := make([]uint64, *conc)
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			for mayStart() {
				c0 := time.Now()
				var n uint64
				ok := false
				switch *mode {
				case "unary":
					resp, err := client.Unary(ctx, payload)
					ok = err == nil && len(resp.Data) == *size
				case "sstream":
					st, err := client.ServerStream(ctx, &pb.StreamReq{Count: uint32(*count), Size: uint32(*size)})
					if err == nil {
						good := true
						for {
							c, err := st.Recv()
							if err == io.EOF {
								ok = good && n == uint64(*count)*uint64(*size)
								break
							}
							if err != nil {
								break
							}
							good = good && len(c.Data) == *size
							n += uint64(len(c.Data))
						}
					}
				case "cstream":
					st, err := client.ClientStream(ctx)
					if err == nil {
						for k := 0; k < *count && err == nil; k++ {
							err = st.Send(chunk)
							n += uint64(*size)
						}
						if err == nil {
							cnt, err := st.CloseAndRecv()
							ok = err == nil && cnt.Messages == uint64(*count) &&
								cnt.Bytes == uint64(*count)*uint64(*size)
						}
					}
				}
				now := time.Now()
				if now.Before(tMeasure) {
					continue
				}
				if !ok {
					atomic.AddUint64(&errors, 1)
					continue
				}
				lats[i] = append(lats[i], uint32(now.Sub(c0)/time.Microsecond))
				bytes[i] += n
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(tMeasure).Seconds()
	var all []uint32
	var total uint64
	for i := range lats {
		all = append(all, lats[i]...)
		total += bytes[i]
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	pct := func(p float64) uint32 {
		if len(all) == 0 {
			return 0
		}
		return all[int(p*float64(len(all)-1)+0.5)]
	}
	fmt.Printf("RESULT {\"impl\":\"go\",\"mode\":\"%s\",\"conc\":%d,\"size\":%d,"+
		"\"calls\":%d,\"secs\":%.4f,\"calls_per_s\":%.1f,\"p50_us\":%d,\"p99_us\":%d,"+
		"\"bytes\":%d,\"mb_per_s\":%.2f,\"errors\":%d}\n",
		*mode, *conc, *size, len(all), elapsed, float64(len(all))/elapsed, pct(0.5), pct(0.99),
		total, float64(total)/elapsed/1e6, errors)
	if errors != 0 || len(all) == 0 {
		os.Exit(1)
	}
}
