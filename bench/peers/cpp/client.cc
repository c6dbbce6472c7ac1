// bench/peers/cpp/client.cc - the bench.Bench client on gRPC C++ (Debian's
// libgrpc++): one channel (one HTTP/2 connection), `conc` calls in flight.
//
//   build/bench/bin/cpp_bench_client --server=127.0.0.1:PORT
//       [--mode=unary|sstream|cstream] [--conc=1] [--size=100]
//       [--secs=2] [--warmup=0.5] [--calls=0] [--count=1000]
//
// Unary uses the callback API (a finished call starts the next one from
// its completion callback); the streaming modes use the synchronous API,
// one thread per concurrent call.  Same flags and the same RESULT line as
// bench/lwg/bench_client.c.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string mode = "unary";
int conc = 1;
uint32_t msg_size = 100;
uint32_t msg_count = 1000;
double secs = 2, warmup = 0.5;
uint64_t calls_limit = 0;

std::unique_ptr<bench::Bench::Stub> stub;
bench::Payload payload;
Clock::time_point t_measure, t_stop;

std::mutex mu;
std::condition_variable cv;
int active = 0;                   // slots with a call in flight
std::atomic<uint64_t> started{0};
std::atomic<uint64_t> errors{0};
struct Slot {
    std::vector<uint32_t> lat_us; // measured calls' latencies
    uint64_t bytes = 0;
};
std::vector<Slot> slots;

bool may_start()
{
    if (calls_limit > 0)
        return started.fetch_add(1) < calls_limit;
    return Clock::now() < t_stop;
}

void record(int i, Clock::time_point t0, bool ok, uint64_t bytes)
{
    Clock::time_point now = Clock::now();
    if (now < t_measure)
        return;
    if (!ok) {
        errors++;
        return;
    }
    slots[i].lat_us.push_back(
        (uint32_t)std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count());
    slots[i].bytes += bytes;
}

void slot_done()
{
    std::lock_guard<std::mutex> g(mu);
    if (--active == 0)
        cv.notify_all();
}

// ---- unary: callback API ----
struct UnaryCall {
    grpc::ClientContext ctx;
    bench::Payload resp;
    Clock::time_point t0;
};

void start_unary(int i)
{
    if (!may_start()) {
        slot_done();
        return;
    }
    UnaryCall *c = new UnaryCall;
    c->t0 = Clock::now();
    stub->async()->Unary(&c->ctx, &payload, &c->resp, [c, i](grpc::Status s) {
        bool ok = s.ok() && c->resp.data().size() == msg_size;
        if (!s.ok() && errors.load() < 5)
            std::fprintf(stderr, "call failed: %d %s\n", (int)s.error_code(),
                         s.error_message().c_str());
        record(i, c->t0, ok, 0);
        delete c;
        start_unary(i);
    });
}

// ---- streaming: synchronous API, one thread per slot ----
void stream_loop(int i)
{
    bench::Chunk chunk;
    chunk.set_data(std::string(msg_size, 'x'));
    while (may_start()) {
        grpc::ClientContext ctx;
        Clock::time_point t0 = Clock::now();
        uint64_t bytes = 0;
        bool ok;
        if (mode == "sstream") {
            bench::StreamReq req;
            req.set_count(msg_count);
            req.set_size(msg_size);
            bench::Chunk in;
            std::unique_ptr<grpc::ClientReader<bench::Chunk>> r = stub->ServerStream(&ctx, req);
            bool good = true;
            while (r->Read(&in)) {
                good = good && in.data().size() == msg_size;
                bytes += in.data().size();
            }
            ok = r->Finish().ok() && good && bytes == (uint64_t)msg_count * msg_size;
        } else {
            bench::Count count;
            std::unique_ptr<grpc::ClientWriter<bench::Chunk>> w = stub->ClientStream(&ctx, &count);
            for (uint32_t k = 0; k < msg_count; k++) {
                if (!w->Write(chunk))
                    break;
                bytes += msg_size;
            }
            w->WritesDone();
            ok = w->Finish().ok() && count.messages() == msg_count &&
                 count.bytes() == (uint64_t)msg_count * msg_size;
        }
        record(i, t0, ok, bytes);
    }
    slot_done();
}

const char *flag(int argc, char **argv, const char *name, const char *dflt)
{
    size_t n = std::strlen(name);
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], "--", 2) == 0 && std::strncmp(argv[i] + 2, name, n) == 0 &&
            argv[i][2 + n] == '=')
            return argv[i] + 3 + n;
    return dflt;
}

} // namespace

int main(int argc, char **argv)
{
    std::string server = flag(argc, argv, "server", "127.0.0.1:50051");
    mode = flag(argc, argv, "mode", "unary");
    conc = std::atoi(flag(argc, argv, "conc", "1"));
    msg_size = (uint32_t)std::atoi(flag(argc, argv, "size", "100"));
    msg_count = (uint32_t)std::atoi(flag(argc, argv, "count", "1000"));
    secs = std::atof(flag(argc, argv, "secs", "2"));
    warmup = std::atof(flag(argc, argv, "warmup", "0.5"));
    calls_limit = std::strtoull(flag(argc, argv, "calls", "0"), nullptr, 10);
    if (conc < 1 || (mode != "unary" && mode != "sstream" && mode != "cstream")) {
        std::fprintf(stderr, "usage: cpp_bench_client --server=HOST:PORT [--mode=unary|sstream|"
                             "cstream] [--conc=1] [--size=100] [--secs=2] [--warmup=0.5] "
                             "[--calls=0] [--count=1000]\n");
        return 2;
    }

    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(1 << 20);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args);
    stub = bench::Bench::NewStub(channel);
    payload.set_data(std::string(msg_size, 'x'));
    slots.resize(conc);

    Clock::time_point t0 = Clock::now();
    if (calls_limit > 0) {
        t_measure = t0;
        t_stop = Clock::time_point::max();
    } else {
        t_measure = t0 + std::chrono::microseconds((int64_t)(warmup * 1e6));
        t_stop = t_measure + std::chrono::microseconds((int64_t)(secs * 1e6));
    }
    active = conc;
    std::vector<std::thread> threads;
    for (int i = 0; i < conc; i++) {
        if (mode == "unary")
            start_unary(i);
        else
            threads.emplace_back(stream_loop, i);
    }
    {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [] { return active == 0; });
    }
    for (std::thread &t : threads)
        t.join();
    Clock::time_point t_end = Clock::now();
    if (calls_limit > 0)
        t_measure = t0;

    std::vector<uint32_t> lat;
    uint64_t bytes = 0;
    for (Slot &s : slots) {
        lat.insert(lat.end(), s.lat_us.begin(), s.lat_us.end());
        bytes += s.bytes;
    }
    auto pct = [&](double p) -> uint32_t {
        if (lat.empty())
            return 0;
        auto k = lat.begin() + (std::ptrdiff_t)(p * (double)(lat.size() - 1) + 0.5);
        std::nth_element(lat.begin(), k, lat.end());
        return *k;
    };
    double elapsed = std::chrono::duration<double>(t_end - t_measure).count();
    std::printf("RESULT {\"impl\":\"cpp\",\"mode\":\"%s\",\"conc\":%d,\"size\":%u,"
                "\"calls\":%zu,\"secs\":%.4f,\"calls_per_s\":%.1f,\"p50_us\":%u,\"p99_us\":%u,"
                "\"bytes\":%llu,\"mb_per_s\":%.2f,\"errors\":%llu}\n",
                mode.c_str(), conc, msg_size, lat.size(), elapsed,
                elapsed > 0 ? (double)lat.size() / elapsed : 0.0, pct(0.50), pct(0.99),
                (unsigned long long)bytes, elapsed > 0 ? (double)bytes / elapsed / 1e6 : 0.0,
                (unsigned long long)errors.load());
    std::fflush(stdout);
    return errors.load() == 0 && !lat.empty() ? 0 : 1;
}
