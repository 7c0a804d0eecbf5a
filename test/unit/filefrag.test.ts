/**
 * `filefrag -v` output as e2fsprogs 1.47 prints it on ext4 (recorded on this machine), parsed into
 * the bytes a writer has not filled yet.
 */
import { parseFilefrag } from '../../lib/filefrag.js';

const MiB = 1024 * 1024;

describe('reading filefrag -v output', () => {
  test('a 10 MiB preallocated file with its first 3 MiB written has 7 MiB unwritten and no holes', () => {
    const map = parseFilefrag(
      [
        'Filesystem type is: ef53',
        'File size of /tmp/exp2/pre is 10485760 (2560 blocks of 4096 bytes)',
        ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
        '   0:        0..     767:    3637762..   3638529:    768:            ',
        '   1:      768..    2559:    3638530..   3640321:   1792:             last,unwritten,eof',
        '/tmp/exp2/pre: 1 extent found',
      ].join('\n'),
    );
    expect(map).toMatchObject({ sizeBytes: 10 * MiB, unwrittenBytes: 7 * MiB, holeBytes: 0 });
    expect(map.extents).toHaveLength(2);
  });

  test('a sparse file written only from 5 MiB on has 5 MiB of holes', () => {
    const map = parseFilefrag(
      [
        'Filesystem type is: ef53',
        'File size of /tmp/exp2/holes is 6291456 (1536 blocks of 4096 bytes)',
        ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
        '   0:     1280..    1535:   40010496..  40010751:    256:       1280: last,eof',
        '/tmp/exp2/holes: 1 extent found',
      ].join('\n'),
    );
    expect(map).toMatchObject({ sizeBytes: 6 * MiB, unwrittenBytes: 0, holeBytes: 5 * MiB });
  });

  test('a file truncated longer than what was written has a hole at its end', () => {
    const map = parseFilefrag(
      [
        'File size of /tmp/exp2/tailhole is 3145728 (768 blocks of 4096 bytes)',
        ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
        '   0:        0..     255:    3792384..   3792639:    256:             last',
        '/tmp/exp2/tailhole: 1 extent found',
      ].join('\n'),
    );
    expect(map).toMatchObject({ unwrittenBytes: 0, holeBytes: 2 * MiB });
  });

  test('space preallocated past the end (fallocate --keep-size) does not count; a fully written file has nothing missing', () => {
    const keep = parseFilefrag(
      [
        'File size of /tmp/exp2/keep is 2097152 (512 blocks of 4096 bytes)',
        ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
        '   0:        0..     511:    3805184..   3805695:    512:            ,eof',
        '   1:      512..    2047:    3805696..   3807231:   1536:             last,unwritten,eof',
        '/tmp/exp2/keep: 1 extent found',
      ].join('\n'),
    );
    expect(keep).toMatchObject({ sizeBytes: 2 * MiB, unwrittenBytes: 0, holeBytes: 0 });
    const full = parseFilefrag(
      [
        'Filesystem type is: ef53',
        'File size of /tmp/exp2/full is 4194304 (1024 blocks of 4096 bytes)',
        ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
        '   0:        0..    1023:    3633152..   3634175:   1024:             last,eof',
        '/tmp/exp2/full: 1 extent found',
      ].join('\n'),
    );
    expect(full).toMatchObject({ unwrittenBytes: 0, holeBytes: 0 });
  });

  test('an empty file has no extents and nothing missing', () => {
    expect(
      parseFilefrag(
        [
          'Filesystem type is: ef53',
          'File size of /tmp/exp2/empty is 0 (0 blocks of 4096 bytes)',
          '/tmp/exp2/empty: 0 extents found',
        ].join('\n'),
      ),
    ).toMatchObject({ sizeBytes: 0, extents: [], unwrittenBytes: 0, holeBytes: 0 });
  });

  test('output without a header is refused', () => {
    expect(() => parseFilefrag('/dev/shm/x/t: FIBMAP/FIEMAP unsupported')).toThrow(
      'unexpected filefrag output',
    );
  });
});
