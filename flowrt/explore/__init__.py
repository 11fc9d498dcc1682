"""flowrt explore: every path a flow can take, the branches no world reaches, cases written for
every reachable branch, and properties checked over all paths.

The pieces, in the order a run of `flowrt explore` uses them: `derive` (the answers worth trying,
from the program's conditions and hours), `graph` (the block graph, its loops and path counts),
`world` (the runtime whose questions to the world are choice points), `walk` (running the paths),
`explorer` (the report), `properties`, `cases` and `render`.  See docs/explore.md.
"""
