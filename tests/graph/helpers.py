from cnnrnn_studio.graph import Graph


def chain(*blocks, links=None) -> Graph:
    """blocks: (id, type, params); linked in order unless `links` is given."""
    g = Graph()
    for bid, t, p in blocks:
        g.add_block(t, p, bid)
    if links is None:
        links = [(a[0], b[0]) for a, b in zip(blocks, blocks[1:])]
    for l in links:
        g.add_link(*l)
    return g
