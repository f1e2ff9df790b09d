"""The sandbox behind `platformbot dev`: the real bot, the local Slack emulator and a web page
to use it from, all on loopback, with an embedded configuration and local PostgreSQL, Redis and
RabbitMQ servers.

    bot.devtools.sandbox.runtime    Sandbox: starts and stops the parts together
    bot.devtools.sandbox.config     the embedded configuration and SandboxOptions
    bot.devtools.sandbox.claim      the data dir's lock and the RabbitMQ node's launch, done first
    bot.devtools.sandbox.api        what the page can see (a snapshot per person) and do (through SlackDriver)
    bot.devtools.sandbox.web        the page's stdlib HTTP server on loopback
    bot.devtools.sandbox.postgres   a local PostgreSQL cluster (persistent for the sandbox,
                                    throwaway for tests)
    bot.devtools.sandbox.redis      a local redis-server, the same way
    bot.devtools.sandbox.rabbitmq   a local rabbitmq-server node with its management plugin
    bot.devtools.sandbox.static/    the page: plain HTML, CSS and JavaScript, no build step

Nothing is imported here, so `bot.devtools.sandbox.postgres` stays cheap for tests that only need a server.
"""
