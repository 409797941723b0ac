// ListOffsets (API key 2, Cilium's "offsets"): request and response layouts, versions 0-10.
import { array, field, message } from '../message-spec.js';

export const LIST_OFFSETS_REQUEST = message('ListOffsetsRequest', 2, '0-10', '6+', [
  field('replicaId', 'int32', '0+', { default: -1 }),
  field('isolationLevel', 'int8', '2+'),
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      array(
        'partitions',
        [
          field('partitionIndex', 'int32', '0+'),
          field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
          field('timestamp', 'int64', '0+'),
          field('maxNumOffsets', 'int32', '0', { default: 1 }),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
  field('timeoutMs', 'int32', '10+'),
]);

export const LIST_OFFSETS_RESPONSE = message('ListOffsetsResponse', 2, '0-10', '6+', [
  field('throttleTimeMs', 'int32', '2+'),
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      array(
        'partitions',
        [
          field('partitionIndex', 'int32', '0+'),
          field('errorCode', 'int16', '0+'),
          array('oldStyleOffsets', 'int64', '0'),
          field('timestamp', 'int64', '1+', { default: -1n }),
          field('offset', 'int64', '1+', { default: -1n }),
          field('leaderEpoch', 'int32', '4+', { default: -1 }),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
]);
