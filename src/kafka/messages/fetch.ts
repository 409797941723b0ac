// Fetch (API key 1): request and response layouts, versions 0-17 (13+ name topics by id).
import { array, field, message } from '../message-spec.js';

export const FETCH_REQUEST = message('FetchRequest', 1, '0-17', '12+', [
  field('replicaId', 'int32', '0-14', { default: -1 }),
  field('maxWaitMs', 'int32', '0+'),
  field('minBytes', 'int32', '0+'),
  field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
  field('isolationLevel', 'int8', '4+'),
  field('sessionId', 'int32', '7+'),
  field('sessionEpoch', 'int32', '7+', { default: -1 }),
  array(
    'topics',
    [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array(
        'partitions',
        [
          field('partition', 'int32', '0+'),
          field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
          field('fetchOffset', 'int64', '0+'),
          field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
          field('logStartOffset', 'int64', '5+', { default: -1n }),
          field('partitionMaxBytes', 'int32', '0+'),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
  array(
    'forgottenTopicsData',
    [field('topic', 'string', '7-12'), field('topicId', 'uuid', '13+'), array('partitions', 'int32', '7+')],
    '7+',
  ),
  field('rackId', 'string', '11+'),
]);

export const FETCH_RESPONSE = message('FetchResponse', 1, '0-17', '12+', [
  field('throttleTimeMs', 'int32', '1+'),
  field('errorCode', 'int16', '7+'),
  field('sessionId', 'int32', '7+'),
  array(
    'responses',
    [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array(
        'partitions',
        [
          field('partitionIndex', 'int32', '0+'),
          field('errorCode', 'int16', '0+'),
          field('highWatermark', 'int64', '0+'),
          field('lastStableOffset', 'int64', '4+', { default: -1n }),
          field('logStartOffset', 'int64', '5+', { default: -1n }),
          array(
            'abortedTransactions',
            [field('producerId', 'int64', '4+'), field('firstOffset', 'int64', '4+')],
            '4+',
            {
              nullable: '4+',
            },
          ),
          field('preferredReadReplica', 'int32', '11+', { default: -1 }),
          field('records', 'records', '0+', { nullable: '0+' }),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
]);
