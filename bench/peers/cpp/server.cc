// bench/peers/cpp/server.cc - the bench.Bench service on gRPC C++
// (Debian's libgrpc++), callback API, gRPC's own thread pool.
//
//   build/bench/bin/cpp_bench_server [--port=0]
//
// Prints "listening on port N".  GetStats returns the counters the
// benchmark driver checks: a Unary call counts once its handler has
// finished it with Status::OK.  Stops on SIGINT / SIGTERM.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "bench.grpc.pb.h"

namespace {

std::atomic<uint64_t> unary_ok{0};
std::atomic<uint64_t> stream_ok{0};
std::atomic<uint64_t> stream_bytes{0};
std::atomic<int> stop{0};
const std::string chunk_bytes(65536, 'x');

// ServerStream: write `count` chunks, one at a time.
class Writer : public grpc::ServerWriteReactor<bench::Chunk> {
public:
    explicit Writer(const bench::StreamReq *req) : left_(req->count()), size_(req->size())
    {
        if (size_ > chunk_bytes.size()) {
            Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "size > 65536"));
            return;
        }
        chunk_.set_data(chunk_bytes.data(), size_);
        Next();
    }
    void OnWriteDone(bool ok) override
    {
        if (!ok) {
            Finish(grpc::Status(grpc::StatusCode::UNKNOWN, "write failed"));
            return;
        }
        stream_bytes.fetch_add(size_, std::memory_order_relaxed);
        Next();
    }
    void OnDone() override { delete this; }

private:
    void Next()
    {
        if (left_ == 0) {
            stream_ok.fetch_add(1, std::memory_order_relaxed);
            Finish(grpc::Status::OK);
            return;
        }
        left_--;
        StartWrite(&chunk_);
    }
    uint32_t left_;
    uint32_t size_;
    bench::Chunk chunk_;
};

// ClientStream: read chunks until the client half-closes.
class Reader : public grpc::ServerReadReactor<bench::Chunk> {
public:
    explicit Reader(bench::Count *resp) : resp_(resp) { StartRead(&chunk_); }
    void OnReadDone(bool ok) override
    {
        if (!ok) {
            resp_->set_messages(messages_);
            resp_->set_bytes(bytes_);
            stream_bytes.fetch_add(bytes_, std::memory_order_relaxed);
            stream_ok.fetch_add(1, std::memory_order_relaxed);
            Finish(grpc::Status::OK);
            return;
        }
        messages_++;
        bytes_ += chunk_.data().size();
        StartRead(&chunk_);
    }
    void OnDone() override { delete this; }

private:
    bench::Count *resp_;
    bench::Chunk chunk_;
    uint64_t messages_ = 0;
    uint64_t bytes_ = 0;
};

class Service final : public bench::Bench::CallbackService {
    grpc::ServerUnaryReactor *Unary(grpc::CallbackServerContext *ctx, const bench::Payload *req,
                                    bench::Payload *resp) override
    {
        resp->set_data(req->data());
        unary_ok.fetch_add(1, std::memory_order_relaxed);
        grpc::ServerUnaryReactor *r = ctx->DefaultReactor();
        r->Finish(grpc::Status::OK);
        return r;
    }
    grpc::ServerWriteReactor<bench::Chunk> *ServerStream(grpc::CallbackServerContext *,
                                                        const bench::StreamReq *req) override
    {
        return new Writer(req);
    }
    grpc::ServerReadReactor<bench::Chunk> *ClientStream(grpc::CallbackServerContext *,
                                                       bench::Count *resp) override
    {
        return new Reader(resp);
    }
    grpc::ServerUnaryReactor *GetStats(grpc::CallbackServerContext *ctx, const bench::StatsReq *,
                                       bench::Stats *resp) override
    {
        resp->set_unary_ok(unary_ok.load());
        resp->set_stream_ok(stream_ok.load());
        resp->set_stream_bytes(stream_bytes.load());
        grpc::ServerUnaryReactor *r = ctx->DefaultReactor();
        r->Finish(grpc::Status::OK);
        return r;
    }
};

void on_signal(int) { stop = 1; }

} // namespace

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--port=", 7) == 0) {
            port = std::atoi(argv[i] + 7);
        } else {
            std::fprintf(stderr, "usage: cpp_bench_server [--port=0]\n");
            return 2;
        }
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    Service service;
    int bound = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureServerCredentials(), &bound);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(1 << 20);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || bound == 0) {
        std::fprintf(stderr, "cpp_bench_server: cannot listen on port %d\n", port);
        return 1;
    }
    std::printf("listening on port %d\n", bound);
    std::fflush(stdout);
    while (!stop)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server->Shutdown();
    return 0;
}
