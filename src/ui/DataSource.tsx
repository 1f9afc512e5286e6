/**
 * Your own data: drop a folder or a .zip of images (one sub-folder per class, optionally), or choose files
 * (images, a zip, MNIST-style IDX, CIFAR-10 batches), or give URLs. The page hands the files to the worker
 * unread; decoding and resizing happen there, with a progress bar here. A bad file shows its message and
 * leaves the current dataset and run as they were.
 */
import { useState, type DragEvent } from 'react';
import type { CustomDataOptions, FileEntry } from '../shared/messages';
import { loadCustomFiles, loadCustomUrls } from '../state/controller';
import { useApp } from '../state/store';

const SIZES = [8, 16, 28, 32, 48, 64];

/** Files of a drop, folders walked recursively (paths keep their folders: they name the classes). */
async function droppedEntries(e: DragEvent): Promise<FileEntry[]> {
  const items = Array.from(e.dataTransfer.items ?? []);
  const roots = items.map((i) => i.webkitGetAsEntry?.()).filter((x): x is FileSystemEntry => !!x);
  if (roots.length === 0) return Array.from(e.dataTransfer.files, (file) => ({ path: file.name, file }));
  const out: FileEntry[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path: entry.fullPath.replace(/^\//, ''), file });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns the children in pages; an empty page ends the listing.
    for (;;) {
      const page = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (page.length === 0) break;
      for (const child of page) await walk(child);
    }
  };
  for (const r of roots) await walk(r);
  return out;
}

function fromInput(list: FileList | null): FileEntry[] {
  return Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

export function DataSource() {
  const custom = useApp((s) => s.custom);
  const [size, setSize] = useState(32);
  const [channels, setChannels] = useState<CustomDataOptions['channels']>('auto');
  const [urls, setUrls] = useState('');
  const [over, setOver] = useState(false);
  const [open, setOpen] = useState(false);
  const options: CustomDataOptions = { size, channels };
  const { progress, summary, error, busy } = custom;
  // The panel is a form already: this is a plain input and button, not a nested form.
  const loadUrls = () => void loadCustomUrls(urls.split(/\s+/).filter(Boolean), options);
  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : null;
  return (
    <details className="data-source" data-testid="data.source" open={open || busy || !!error} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Your own data…</summary>
      <div
        className={`drop-zone${over ? ' drop-over' : ''}`}
        data-testid="data.drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void droppedEntries(e).then((entries) => loadCustomFiles(entries, options));
        }}
      >
        Drop a folder or a .zip of PNG/JPEG images here (one sub-folder per class gives labels for evaluation), or MNIST-style IDX
        files, or CIFAR-10 .bin batches.
        <div className="data-buttons">
          <label className="file-button">
            Choose a folder…
            <input
              type="file"
              data-testid="data.folder"
              disabled={busy}
              {...{ webkitdirectory: '', directory: '' }}
              onChange={(e) => {
                void loadCustomFiles(fromInput(e.target.files), options);
                e.target.value = '';
              }}
            />
          </label>
          <label className="file-button">
            Choose files…
            <input
              type="file"
              multiple
              data-testid="data.files"
              disabled={busy}
              onChange={(e) => {
                void loadCustomFiles(fromInput(e.target.files), options);
                e.target.value = '';
              }}
            />
          </label>
        </div>
      </div>
      <div className="field">
        <span>resize images to</span>
        <select data-testid="data.size" value={size} onChange={(e) => setSize(Number(e.target.value))}>
          {SIZES.map((s) => (
            <option key={s} value={s}>
              {s}×{s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <span>colour</span>
        <select data-testid="data.channels" value={channels} onChange={(e) => setChannels(e.target.value as CustomDataOptions['channels'])}>
          <option value="auto">as the images are</option>
          <option value="gray">grayscale</option>
          <option value="rgb">colour (RGB)</option>
        </select>
      </div>
      <div className="url-form">
        <input
          type="text"
          inputMode="url"
          data-testid="data.url"
          placeholder="https://… (several: separate with spaces)"
          value={urls}
          onChange={(e) => setUrls(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && urls.trim() && !busy) {
              e.preventDefault();
              loadUrls();
            }
          }}
          aria-label="URLs of your data"
        />
        <button type="button" data-testid="data.urlLoad" disabled={busy || !urls.trim()} onClick={loadUrls}>
          Load
        </button>
      </div>
      {busy && (
        <p className="hint" data-testid="data.progress" role="status">
          {progress ? `${progress.phase} ${progress.done.toLocaleString()} / ${progress.total.toLocaleString()}` : 'starting…'}{' '}
          <progress max={100} value={pct ?? undefined} />
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="data.error">
          Could not load your data: {error}. Nothing was changed.
        </p>
      )}
      {summary && (
        <p className="hint" data-testid="data.summary">
          <strong>{summary.name}</strong>: {summary.n.toLocaleString()} images, {summary.h}×{summary.w}×{summary.c},{' '}
          {summary.unlabelled ? 'no labels (kNN accuracy is not defined)' : `${summary.classNames.length} classes (${summary.classNames.slice(0, 6).join(', ')}${summary.classNames.length > 6 ? ', …' : ''})`}
          , loaded in {(summary.ms / 1000).toFixed(1)} s{summary.skipped.length > 0 &&
            `; skipped ${summary.skipped.length} file${summary.skipped.length > 1 ? 's' : ''} that ${summary.skipped.length > 1 ? 'are' : 'is'} not data (${summary.skipped.slice(0, 4).join(', ')}${summary.skipped.length > 4 ? ', …' : ''})`}. It stays in
          this browser: links do not carry it.
        </p>
      )}
    </details>
  );
}
