#!/usr/bin/python3
"""The helloworld Greeter service on Python grpcio (gRPC C-core): a standard
peer for the lwgrpc greeter client.

    examples/helloworld/py_greeter_server.py [--port=50051]

--port=0 takes any free port.  Prints "listening on port N", then one
line per call, like build/host/bin/helloworld_server.  Messages come from
proto/helloworld/helloworld.proto, compiled at run time.
"""
import os
import sys
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import grpc  # noqa: E402

import py_example_pb  # noqa: E402

pb = py_example_pb.load("helloworld/helloworld.proto")
HelloRequest, HelloReply = pb["HelloRequest"], pb["HelloReply"]


def say_hello(request, context):
    reply = HelloReply(message="Hello " + request.name)
    print('SayHello("%s") -> "%s"' % (request.name, reply.message), flush=True)
    return reply


def main():
    args = py_example_pb.flags(sys.argv[1:], {"port": "50051"},
                               "py_greeter_server.py [--port=50051]")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("helloworld.Greeter", {
        "SayHello": grpc.unary_unary_rpc_method_handler(
            say_hello, request_deserializer=HelloRequest.FromString,
            response_serializer=HelloReply.SerializeToString),
    }),))
    port = server.add_insecure_port("[::]:%s" % args["port"])
    server.start()
    py_example_pb.serve_until_signal(server, "py_greeter_server", port)


if __name__ == "__main__":
    main()
