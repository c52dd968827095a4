"""Two gRPC clients with bugs that only some timings and faults expose, found by ``explore``.

- ``batch.py``: greets several people with concurrent calls and pairs each
  reply with the name of the call sent first among those still waiting.  It
  assumes replies arrive in the order the calls were sent; over a network
  they need not.  ``batch_fixed.py`` pairs each reply with its own call.
- ``once.py``: calls once and gives up on UNAVAILABLE, which real networks
  produce now and then.  ``once_fixed.py`` retries it, with a backoff.

Both run the real ``Greeter`` servicer of the ``greeter`` example over
``rpc.connect``; ``test_clients.py`` explores them.
"""
