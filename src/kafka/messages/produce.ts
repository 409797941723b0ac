// Produce (API key 0): request and response layouts, versions 0-13 (13 names topics by id).
import { array, field, message } from '../message-spec.js';

export const PRODUCE_REQUEST = message('ProduceRequest', 0, '0-13', '9+', [
  field('transactionalId', 'string', '3+', { nullable: '3+' }),
  field('acks', 'int16', '0+'),
  field('timeoutMs', 'int32', '0+'),
  array(
    'topicData',
    [
      field('name', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array(
        'partitionData',
        [field('index', 'int32', '0+'), field('records', 'records', '0+', { nullable: '0+' })],
        '0+',
      ),
    ],
    '0+',
  ),
]);

export const PRODUCE_RESPONSE = message('ProduceResponse', 0, '0-13', '9+', [
  array(
    'responses',
    [
      field('name', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array(
        'partitionResponses',
        [
          field('index', 'int32', '0+'),
          field('errorCode', 'int16', '0+'),
          field('baseOffset', 'int64', '0+'),
          field('logAppendTimeMs', 'int64', '2+', { default: -1n }),
          field('logStartOffset', 'int64', '5+', { default: -1n }),
          array(
            'recordErrors',
            [
              field('batchIndex', 'int32', '8+'),
              field('batchIndexErrorMessage', 'string', '8+', { nullable: '8+' }),
            ],
            '8+',
          ),
          field('errorMessage', 'string', '8+', { nullable: '8+' }),
        ],
        '0+',
      ),
    ],
    '0+',
  ),
  field('throttleTimeMs', 'int32', '1+'),
]);
