#!/usr/bin/python3
"""Calls helloworld.Greeter/SayHello once from Python grpcio (gRPC C-core):
a standard peer for the lwgrpc greeter server.

    examples/helloworld/py_greeter_client.py [--server=localhost:50051] [--name=world]

Prints what build/host/bin/helloworld_client prints:
`Greeter.SayHello("world") -> "Hello world"`; exit status 0 when the call
ended OK.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import grpc  # noqa: E402

import py_example_pb  # noqa: E402

pb = py_example_pb.load("helloworld/helloworld.proto")
HelloRequest, HelloReply = pb["HelloRequest"], pb["HelloReply"]


def main():
    args = py_example_pb.flags(sys.argv[1:], {"server": "localhost:50051", "name": "world"},
                               "py_greeter_client.py [--server=localhost:50051] [--name=world]")
    with grpc.insecure_channel(args["server"]) as channel:
        say_hello = channel.unary_unary("/helloworld.Greeter/SayHello",
                                        request_serializer=HelloRequest.SerializeToString,
                                        response_deserializer=HelloReply.FromString)
        try:
            reply = say_hello(HelloRequest(name=args["name"]), timeout=10)
        except grpc.RpcError as e:
            print('Greeter.SayHello("%s") failed: %s "%s"' % (args["name"], e.code().name,
                                                                e.details()))
            return 1
    print('Greeter.SayHello("%s") -> "%s"' % (args["name"], reply.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
