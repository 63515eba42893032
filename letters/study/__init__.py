"""What the network does inside: probes, units from both sides, the text's example, morphs, decay, stats.

Results are dataclasses of numbers; `show` puts them in words.
"""
