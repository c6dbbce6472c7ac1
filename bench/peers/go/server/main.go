// bench/peers/go/server/main.go - the bench.Bench service on grpc-go
// (Debian's golang-google-grpc-dev, built offline in GOPATH mode by
// bench/bench.mk).
//
//	build/bench/bin/go_bench_server [--port=0]
//
// Prints "listening on port N".  GetStats returns the counters the
// benchmark driver checks: a Unary call counts once its handler returns
// a response with a nil error (grpc-status 0 follows).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "lwgbench/benchpb"
)

type server struct {
	pb.UnimplementedBenchServer
	unaryOK     uint64
	streamOK    uint64
	streamBytes uint64
	chunk       []byte
}

func (s *server) Unary(ctx context.Context, req *pb.Payload) (*pb.Payload, error) {
	atomic.AddUint64(&s.unaryOK, 1)
	return &pb.Payload{Data: req.Data}, nil
}

func (s *server) ServerStream(req *pb.StreamReq, stream pb.Bench_ServerStreamServer) error {
	if req.Size > uint32(len(s.chunk)) {
		return status.Error(codes.InvalidArgument, "size > 65536")
	}
	msg := &pb.Chunk{Data: s.chunk[:req.Size]}
	for i := uint32(0); i < req.Count; i++ {
		if err := stream.Send(msg); err != nil {
			return err
		}
		atomic.AddUint64(&s.streamBytes, uint64(req.Size))
	}
	atomic.AddUint64(&s.streamOK, 1)
	return nil
}

func (s *server) ClientStream(stream pb.Bench_ClientStreamServer) error {
	var n, b uint64
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			atomic.AddUint64(&s.streamBytes, b)
			atomic.AddUint64(&s.streamOK, 1)
			return stream.SendAndClose(&pb.Count{Messages: n, Bytes: b})
		}
		if err != nil {
			return err
		}
		n++
		b += uint64(len(c.Data))
	}
}

func (s *server) GetStats(ctx context.Context, req *pb.StatsReq) (*pb.Stats, error) {
	return &pb.Stats{
		UnaryOk:     atomic.LoadUint64(&s.unaryOK),
		StreamOk:    atomic.LoadUint64(&s.streamOK),
		StreamBytes: atomic.LoadUint64(&s.streamBytes),
	}, nil
}

func main() {
	port := flag.Int("port", 0, "port (0: any free port)")
	flag.Parse()
	lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_bench_server:", err)
		os.Exit(1)
	}
	s := grpc.NewServer(grpc.MaxRecvMsgSize(1 << 20))
	chunk := make([]byte, 65536)
	for i := range chunk {
		chunk[i] = 'x'
	}
	pb.RegisterBenchServer(s, &server{chunk: chunk})
	fmt.Printf("listening on port %d\n", lis.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		s.Stop()
	}()
	s.Serve(lis)
}
