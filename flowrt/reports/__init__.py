"""Reports for people and CI: flow diagrams (Mermaid, DOT, SVG/PNG through Graphviz), the HTML
test report, SARIF and GitHub annotations.

May import: every layer below the command line (core to testing and connect).
"""
