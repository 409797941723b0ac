// OffsetCommit (API key 8) and OffsetFetch (API key 9): request and response layouts, versions 0-9.
import { array, field, message } from '../message-spec.js';

export const OFFSET_COMMIT_REQUEST = message('OffsetCommitRequest', 8, '0-9', '8+', [
  field('groupId', 'string', '0+'),
  field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
  field('memberId', 'string', '1+'),
  field('groupInstanceId', 'string', '7+', { nullable: '7+' }),
  field('retentionTimeMs', 'int64', '2-4', { default: -1n }),
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      array(
        'partitions',
        [
          field('partitionIndex', 'int32', '0+'),
          field('committedOffset', 'int64', '0+'),
          field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
          field('commitTimestamp', 'int64', '1', { default: -1n }),
          field('committedMetadata', 'string', '0+', { nullable: '0+' }),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
]);

export const OFFSET_COMMIT_RESPONSE = message('OffsetCommitResponse', 8, '0-9', '8+', [
  field('throttleTimeMs', 'int32', '3+'),
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      array('partitions', [field('partitionIndex', 'int32', '0+'), field('errorCode', 'int16', '0+')], '0+'),
    ],
    '0+',
  ),
]);

const FETCH_TOPICS = [field('name', 'string', '0+'), array('partitionIndexes', 'int32', '0+')];

export const OFFSET_FETCH_REQUEST = message('OffsetFetchRequest', 9, '0-9', '6+', [
  field('groupId', 'string', '0-7'),
  array('topics', FETCH_TOPICS, '0-7', { nullable: '2-7' }),
  array(
    'groups',
    [
      field('groupId', 'string', '8+'),
      field('memberId', 'string', '9+', { nullable: '9+' }),
      field('memberEpoch', 'int32', '9+', { default: -1 }),
      array('topics', FETCH_TOPICS, '8+', { nullable: '8+' }),
    ],
    '8+',
  ),
  field('requireStable', 'bool', '7+'),
]);

const FETCHED_PARTITION = (v: string) => [
  field('partitionIndex', 'int32', v),
  field('committedOffset', 'int64', v),
  field('committedLeaderEpoch', 'int32', v === '0-7' ? '5-7' : v, { default: -1 }),
  field('metadata', 'string', v, { nullable: v }),
  field('errorCode', 'int16', v),
];

export const OFFSET_FETCH_RESPONSE = message('OffsetFetchResponse', 9, '0-9', '6+', [
  field('throttleTimeMs', 'int32', '3+'),
  array(
    'topics',
    [field('name', 'string', '0-7'), array('partitions', FETCHED_PARTITION('0-7'), '0-7')],
    '0-7',
  ),
  field('errorCode', 'int16', '2-7'),
  array(
    'groups',
    [
      field('groupId', 'string', '8+'),
      array(
        'topics',
        [field('name', 'string', '8+'), array('partitions', FETCHED_PARTITION('8+'), '8+')],
        '8+',
      ),
      field('errorCode', 'int16', '8+'),
    ],
    '8+',
  ),
]);
