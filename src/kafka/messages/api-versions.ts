// ApiVersions (18) and CreateTopics (19): request and response layouts.
import { array, field, message } from '../message-spec.js';

export const API_VERSIONS_REQUEST = message('ApiVersionsRequest', 18, '0-4', '3+', [
  field('clientSoftwareName', 'string', '3+'),
  field('clientSoftwareVersion', 'string', '3+'),
]);

/** Always sent with response header v0 (no tagged fields), so that old clients can read the error. */
export const API_VERSIONS_RESPONSE = message('ApiVersionsResponse', 18, '0-4', '3+', [
  field('errorCode', 'int16', '0+'),
  array(
    'apiKeys',
    [field('apiKey', 'int16', '0+'), field('minVersion', 'int16', '0+'), field('maxVersion', 'int16', '0+')],
    '0+',
  ),
  field('throttleTimeMs', 'int32', '1+'),
]);

export const CREATE_TOPICS_REQUEST = message('CreateTopicsRequest', 19, '0-7', '5+', [
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      field('numPartitions', 'int32', '0+'),
      field('replicationFactor', 'int16', '0+'),
      array('assignments', [field('partitionIndex', 'int32', '0+'), array('brokerIds', 'int32', '0+')], '0+'),
      array(
        'configs',
        [field('name', 'string', '0+'), field('value', 'string', '0+', { nullable: '0+' })],
        '0+',
      ),
    ],
    '0+',
  ),
  field('timeoutMs', 'int32', '0+', { default: 60000 }),
  field('validateOnly', 'bool', '1+'),
]);

export const CREATE_TOPICS_RESPONSE = message('CreateTopicsResponse', 19, '0-7', '5+', [
  field('throttleTimeMs', 'int32', '2+'),
  array(
    'topics',
    [
      field('name', 'string', '0+'),
      field('topicId', 'uuid', '7+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '1+', { nullable: '0+' }),
      field('numPartitions', 'int32', '5+', { default: -1 }),
      field('replicationFactor', 'int16', '5+', { default: -1 }),
      array(
        'configs',
        [
          field('name', 'string', '5+'),
          field('value', 'string', '5+', { nullable: '5+' }),
          field('readOnly', 'bool', '5+'),
          field('configSource', 'int8', '5+', { default: -1 }),
          field('isSensitive', 'bool', '5+'),
        ],
        '5+',
        { nullable: '5+' },
      ),
    ],
    '0+',
  ),
]);
