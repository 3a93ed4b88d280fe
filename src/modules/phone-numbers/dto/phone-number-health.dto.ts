import { ApiProperty } from '@nestjs/swagger';
import { PhoneNumber } from '../phone-number.entity';
import { PhoneHealthAssessment } from '../phone-health';

const CAPABILITIES = ['canReceiveMessages', 'canSendMessages', 'canSendTemplates'] as const;

export class PhoneCapabilitiesDto {
  @ApiProperty() canReceiveMessages!: boolean;
  @ApiProperty({ description: 'Free-form messages inside the 24-hour customer-service window.' })
  canSendMessages!: boolean;
  @ApiProperty({ description: 'Templates, which start conversations.' }) canSendTemplates!: boolean;
}

export class PhoneHealthReasonDto {
  @ApiProperty({
    enum: ['WABA_DISCONNECTED', 'NOT_REGISTERED', 'ACCOUNT_BLOCKED', 'ACCOUNT_RESTRICTED', 'QUALITY_LOW'],
    enumName: 'PhoneHealthReasonCode',
  })
  code!: string;
  @ApiProperty({ enum: CAPABILITIES, isArray: true, description: 'The capabilities this reason turns off.' })
  capabilities!: string[];
  @ApiProperty({ example: 'Quality rating is RED (low): templates are held back until quality recovers' })
  message!: string;
}

export class PhoneResyncDto {
  @ApiProperty({ description: 'Many health calls share one resync job.', example: 'resync-0193a5c2-…' })
  jobId!: string;
}

export class PhoneNumberHealthDto {
  @ApiProperty({ format: 'uuid' }) phoneNumberId!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the snapshot was read from Meta',
  })
  snapshotAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) qualityRating!: string | null;
  @ApiProperty({ type: String, nullable: true }) metaStatus!: string | null;
  @ApiProperty({ type: String, nullable: true }) messagingLimitTier!: string | null;
  @ApiProperty({ type: String, nullable: true }) throughputLevel!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The last resync error, if the last resync failed' })
  lastSyncError!: string | null;
  @ApiProperty({ type: PhoneCapabilitiesDto }) capabilities!: PhoneCapabilitiesDto;
  @ApiProperty({ type: [PhoneHealthReasonDto] }) reasons!: PhoneHealthReasonDto[];
  @ApiProperty({ type: PhoneResyncDto, description: 'A refresh from Meta was queued; the next call shows it.' })
  resync!: PhoneResyncDto;

  static from(phone: PhoneNumber, health: PhoneHealthAssessment, resyncJobId: string): PhoneNumberHealthDto {
    return {
      phoneNumberId: phone.id,
      snapshotAt: phone.lastSyncedAt?.toISOString() ?? null,
      qualityRating: phone.qualityRating,
      metaStatus: phone.metaStatus,
      messagingLimitTier: phone.messagingLimitTier,
      throughputLevel: phone.throughputLevel,
      lastSyncError: phone.lastSyncError,
      capabilities: health.capabilities,
      reasons: health.reasons,
      resync: { jobId: resyncJobId },
    };
  }
}
