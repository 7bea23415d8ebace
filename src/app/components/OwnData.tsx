import { useRef, useState, type DragEvent, type InputHTMLAttributes } from 'react';
import type { LoadProgress } from '../../shared/protocol';
import { formatInt } from '../lib/format';
import { isRunActive, useApp } from '../store';

type Picked = { file: File; path: string };

/** Every file under a dropped folder, with its path (`folder/class/image.png`). */
async function walk(entry: FileSystemEntry, out: Picked[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\/+/, '') });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, out);
  }
}

async function droppedFiles(e: DragEvent): Promise<Picked[]> {
  const items = Array.from(e.dataTransfer.items ?? []);
  const entries = items.map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null)).filter((x): x is FileSystemEntry => !!x);
  if (entries.length > 0 && entries.some((x) => x.isDirectory)) {
    const out: Picked[] = [];
    for (const entry of entries) await walk(entry, out);
    return out;
  }
  return Array.from(e.dataTransfer.files, (file) => ({ file, path: file.name }));
}

function progressText(p: LoadProgress | null): string {
  if (!p || p.total === 0) return 'Reading the files…';
  return `Decoding images: ${formatInt(p.loaded)} of ${formatInt(p.total)}`;
}

/** The folder picker's attribute, which React's types do not list. */
const folderPicker = { webkitdirectory: '', directory: '' } as unknown as InputHTMLAttributes<HTMLInputElement>;

/**
 * Your own dataset: drop files or a folder, or pick them. Parsed in the worker; an error names the file and keeps
 * the dataset loaded before.
 */
export function OwnData() {
  const status = useApp((s) => s.uploadStatus);
  const progress = useApp((s) => s.uploadProgress);
  const error = useApp((s) => s.uploadError);
  const runActive = useApp((s) => isRunActive(s.runStatus));
  const engineReady = useApp((s) => s.backendStatus === 'ready' && s.datasetStatus !== 'loading');
  const { uploadDataset, dismissUploadError } = useApp.getState();
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const reading = status === 'reading';
  const disabled = reading || runActive || !engineReady;

  async function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    void uploadDataset(await droppedFiles(e));
  }

  return (
    <div className="own-data" data-testid="own-data">
      <h3 className="own-data__title">Your own dataset</h3>
      <div
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <p>
          Drop files or a folder here, or{' '}
          <button type="button" className="btn btn--small btn--ghost" disabled={disabled} onClick={() => files.current?.click()} data-testid="upload-files-button">
            choose files
          </button>{' '}
          <button type="button" className="btn btn--small btn--ghost" disabled={disabled} onClick={() => folder.current?.click()} data-testid="upload-folder-button">
            choose a folder
          </button>
        </p>
        <p className="own-data__lead">
          An IDX pair, CIFAR <code>.bin</code> batches, or a <code>.zip</code> or folder of class folders; read in this page only.
        </p>
        <details className="own-data__formats">
          <summary>Which files, and what happens to them</summary>
          <ul>
            <li>
              IDX: <code>…images-idx3-ubyte</code> + <code>…labels-idx1-ubyte</code>, <code>.gz</code> or not; a pair named <code>t10k</code>/<code>test</code> is
              the test set. Classes are the labels 0 to K-1.
            </li>
            <li>
              CIFAR binary batches (<code>.bin</code>, 3073-byte records), one or several; <code>test_batch.bin</code> is the test set.
            </li>
            <li>
              Class folders: <code>class/image.png|jpg</code>, or <code>train/class/…</code> + <code>test/class/…</code>. Classes are the folder names, sorted;
              all images one size. Files that are not PNG or JPEG images are skipped and listed.
            </li>
            <li>Without a test split, the last 20% of each class is held out for testing. Normalisation comes from your training images.</li>
            <li>A link cannot carry your files: it names them by fingerprint, so to share a run, share the files too.</li>
          </ul>
        </details>
        <input
          ref={files}
          type="file"
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose dataset files"
          data-testid="upload-files-input"
          disabled={disabled}
          onChange={(e) => {
            const list = Array.from(e.target.files ?? [], (file) => ({ file, path: file.name }));
            e.target.value = '';
            void uploadDataset(list);
          }}
        />
        <input
          ref={folder}
          type="file"
          {...folderPicker}
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose a dataset folder"
          data-testid="upload-folder-input"
          disabled={disabled}
          onChange={(e) => {
            const list = Array.from(e.target.files ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
            e.target.value = '';
            void uploadDataset(list);
          }}
        />
        {reading && (
          <p className="field__hint" data-testid="upload-progress" role="status">
            {progressText(progress)}
          </p>
        )}
        {runActive && <p className="field__hint">Stop the run to load another dataset.</p>}
      </div>
      {error && (
        <div className="own-data__error" role="alert" data-testid="upload-error">
          <p>
            <strong>Not loaded:</strong> {error}
          </p>
          <p className="field__hint">The dataset loaded before is still loaded and usable.</p>
          <button type="button" className="btn btn--small btn--ghost" onClick={dismissUploadError}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
