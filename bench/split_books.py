#!/usr/bin/env python3
"""split_books.py -- a large notes folder for the update benchmark (issue #10).

    python3 bench/split_books.py ../shared/data/gutenberg /tmp/notes

Cuts every .txt book under the first folder into Markdown notes of about
15 KB (at blank lines), 100 notes a folder: the 98 MB of ../shared/data/gutenberg
give 6,208 notes in 63 folders. Prints the count. Stdlib only, deterministic.
"""
import os
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    n = 0
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith('.txt'):
                continue
            with open(os.path.join(root, f), encoding='utf-8', errors='replace') as fh:
                paras = fh.read().split('\n\n')
            cur, size = [], 0
            for p in paras:
                cur.append(p)
                size += len(p)
                if size > 15000:
                    d = os.path.join(dst, 'f%02d' % (n // 100))
                    os.makedirs(d, exist_ok=True)
                    with open(os.path.join(d, 'note%05d.md' % n), 'w') as out:
                        out.write('\n\n'.join(cur))
                    n += 1
                    cur, size = [], 0
    print(n)


if __name__ == '__main__':
    main()
