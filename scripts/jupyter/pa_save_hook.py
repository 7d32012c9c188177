"""JupyterLab's post-save hook for this project (scripts/lab.ts passes it to jupyter-lab as
ContentsManager.post_save_hook, with this folder on PYTHONPATH).

Why: a notebook saved from JupyterLab keeps its outputs on disk, and git's clean filter
(strip-notebook, .gitattributes) gives back the committed source. But git trusts its stat cache: when
the file's size differs from the size recorded in the index, `git status` lists it as modified without
running the filter, so after a save every notebook shows ` M` although `git diff` is empty.
`git update-index --refresh` does not help (it trusts a size change the same way).

What: after each save of a tracked notebook, in a background thread (the save is not delayed), the
saved file goes through the clean filter (`git hash-object`, which applies .gitattributes); when that
gives the blob the index already has, the index entry is re-read (`git update-index`), which records
the new size and time and stages nothing new. A notebook whose source changed is left alone: it stays
modified and unstaged. Should the file change between the two git calls (a second save with another
source), the old index entry is put back, so a change is never staged behind the user's back.
"""
import os
import queue
import subprocess
import threading

_pending = queue.Queue()
_queued = set()
_guard = threading.Lock()
_worker = None


def _git(cwd, *args):
    return subprocess.run(["git", "-C", cwd, *args], capture_output=True, text=True, timeout=300)


def _staged(cwd, name):
    """(mode, blob) of `name` at stage 0 of the index, or None (untracked, or in a merge conflict)."""
    r = _git(cwd, "ls-files", "-s", "--", name)
    lines = r.stdout.splitlines() if r.returncode == 0 else []
    if len(lines) != 1:
        return None
    meta = lines[0].split("\t", 1)[0].split()
    return (meta[0], meta[1]) if len(meta) == 3 and meta[2] == "0" else None


def refresh(os_path):
    """Re-stat `os_path` in git's index when its cleaned content equals the staged blob.

    Returns what happened: 'refreshed', 'changed' (the source differs from the index: left modified),
    'not tracked', 'not in git', 'restored' (the file changed meanwhile) or 'failed: ...'."""
    cwd = os.path.dirname(os.path.abspath(os_path))
    name = os.path.basename(os_path)
    if _git(cwd, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        return "not in git"
    staged = _staged(cwd, name)
    if staged is None:
        return "not tracked"
    cleaned = _git(cwd, "hash-object", "--", name)  # through the clean filter
    if cleaned.returncode != 0:
        return "failed: " + (cleaned.stderr.strip() or "git hash-object")
    if cleaned.stdout.strip() != staged[1]:
        return "changed"
    r = _git(cwd, "update-index", "--", name)  # same blob; new size and mtime
    if r.returncode != 0:
        return "failed: " + (r.stderr.strip() or "git update-index")
    after = _staged(cwd, name)
    if after is not None and after[1] != staged[1]:
        _git(cwd, "update-index", "--cacheinfo", "%s,%s,%s" % (staged[0], staged[1], name))
        return "restored"
    return "refreshed"


def _work(log):
    while True:
        path = _pending.get()
        with _guard:
            _queued.discard(path)
        try:
            outcome = refresh(path)
            if log is not None and outcome.startswith("failed"):
                log.warning("pa_save_hook: %s: %s", path, outcome)
            elif log is not None:
                log.debug("pa_save_hook: %s: %s", path, outcome)
        except Exception as e:  # never take the server down for git's stat cache
            if log is not None:
                log.warning("pa_save_hook: %s: %s", path, e)
        finally:
            _pending.task_done()


def post_save(model=None, os_path=None, contents_manager=None, **_):
    """The hook: queue a saved notebook for refresh() on one background thread (saves in order)."""
    global _worker
    if not os_path or not os_path.endswith(".ipynb") or (model or {}).get("type") not in (None, "notebook"):
        return
    log = getattr(contents_manager, "log", None)
    with _guard:
        if _worker is None:
            _worker = threading.Thread(target=_work, args=(log,), name="pa-save-hook", daemon=True)
            _worker.start()
        if os_path in _queued:
            return
        _queued.add(os_path)
    _pending.put(os_path)
