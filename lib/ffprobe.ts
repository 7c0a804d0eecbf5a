/**
 * Whether a video container is whole, by `ffprobe` reading its end: a header alone says nothing
 * (a Matroska or fast-start MP4 file cut at any point still probes with its full duration), so the
 * probe seeks past the end — the demuxer lands on the last keyframe its index knows — and reads
 * every packet from there. A whole file yields packets up to the duration its header states; a cut
 * one yields none (its index points past the end), stops short, or makes the demuxer say so
 * (Matroska: "File ended prematurely"; MP4: "partial file"). An MP4 cut before its `moov` box, a
 * 0-byte or foreign file does not open at all.
 */
import { execa } from 'execa';

/** The verdict on one file. */
export type ContainerCheck =
  | { kind: 'whole' }
  | { kind: 'truncated'; reason: string }
  /** ffprobe could not be run (not installed): nothing is known. */
  | { kind: 'unchecked'; reason: string };

/** What one ffprobe run printed. */
export interface ProbeOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * How far short of the stated duration the last packet may end, in seconds: streams of a whole
 * file end within a frame or an audio block of it (the header's duration is the longest stream's).
 */
const DURATION_SLACK_SECONDS = 1;

/** Containers whose header states the duration (Matroska/WebM, MP4/MOV): the others estimate it. */
const STATED_DURATION = /^(matroska|mov)/;

/** Demuxer messages that mean the file ends before its structure does. */
const CUT_SHORT = /File ended prematurely|partial file/;

/** At most this many packets are read from the last keyframe (a bound on the output, not a limit reached by a whole file). */
const MAX_PACKETS = 100_000;

/** The ffprobe arguments for a file (see the module comment). */
export function probeArgs(file: string): string[] {
  return [
    '-hide_banner',
    '-v', 'verbose',
    '-read_intervals', `99999999%+#${MAX_PACKETS}`,
    '-show_entries', 'format=format_name,duration:packet=pts_time,duration_time',
    '-of', 'compact',
    file,
  ]; // prettier-ignore
}

/**
 * Judges one ffprobe run of {@link probeArgs}.
 *
 * @param out - exit code and output of the run
 * @returns `whole`, or `truncated` with a sentence saying why
 */
export function judgeProbe(out: ProbeOutput): Exclude<ContainerCheck, { kind: 'unchecked' }> {
  const said = out.stderr
    .split('\n')
    .map((l) => /^\[[^\]]+ @ 0x[0-9a-f]+\] (.*)$/.exec(l.trim())?.[1])
    .filter((m): m is string => m !== undefined);
  if (out.exitCode !== 0) {
    // The demuxer's own words ("moov atom not found", "EBML header parsing failed"), else the last line.
    const why = said.filter((m) => !/score|Statistics/.test(m)).pop() ?? out.stderr.trim().split('\n').pop();
    return { kind: 'truncated', reason: `ffprobe cannot read it: ${why || `exit ${out.exitCode}`}` };
  }
  const cut = said.find((m) => CUT_SHORT.test(m));
  if (cut) return { kind: 'truncated', reason: `the container ends early (ffprobe: "${cut}")` };
  let formatName = '';
  let durationSeconds: number | undefined;
  let lastEndSeconds: number | undefined;
  for (const line of out.stdout.split('\n')) {
    const fields = Object.fromEntries(
      line
        .split('|')
        .slice(1)
        .map((f) => f.split('=') as [string, string]),
    );
    if (line.startsWith('packet|')) {
      const pts = Number(fields.pts_time);
      if (!Number.isFinite(pts)) continue;
      const end = pts + (Number(fields.duration_time) || 0);
      lastEndSeconds = Math.max(lastEndSeconds ?? end, end);
    } else if (line.startsWith('format|')) {
      formatName = fields.format_name ?? '';
      const d = Number(fields.duration);
      durationSeconds = Number.isFinite(d) && d > 0 ? d : undefined;
    }
  }
  if (lastEndSeconds === undefined)
    return { kind: 'truncated', reason: 'no packet can be read at the end of the container' };
  if (
    STATED_DURATION.test(formatName) &&
    durationSeconds !== undefined &&
    lastEndSeconds < durationSeconds - DURATION_SLACK_SECONDS
  ) {
    return {
      kind: 'truncated',
      reason: `its streams end at ${lastEndSeconds.toFixed(1)} s of the ${durationSeconds.toFixed(1)} s its header states`,
    };
  }
  return { kind: 'whole' };
}

/**
 * Checks that a video container is whole (see the module comment): reads its header and the
 * packets from its last keyframe to its end, a few MiB of a whole file of any size.
 *
 * @param file - absolute path
 * @param options.binary - the `ffprobe` command, in ffmpeg (`intake.ffprobeBinary`)
 * @param options.signal - stops it (an activity's cancellation)
 * @returns `whole`, `truncated` with the reason, or `unchecked` when ffprobe is not installed
 * @throws Error when the run was cancelled
 */
export async function checkContainer(
  file: string,
  options: { binary: string; signal?: AbortSignal },
): Promise<ContainerCheck> {
  const result = await execa(options.binary, probeArgs(file), {
    reject: false,
    cancelSignal: options.signal,
    stdin: 'ignore',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.isCanceled) throw new Error(`ffprobe ${file} was cancelled`);
  if ((result as { code?: string }).code === 'ENOENT')
    return { kind: 'unchecked', reason: `${options.binary} (ffmpeg) is not installed` };
  return judgeProbe({
    exitCode: result.exitCode ?? 1,
    stdout: `${result.stdout}`,
    stderr: `${result.stderr}`,
  });
}
