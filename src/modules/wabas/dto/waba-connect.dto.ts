import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class WabaConnectDto {
  @ApiProperty({ description: "Meta's id of the WhatsApp Business Account.", example: '102290129340398' })
  @IsString()
  @Matches(/^\d{5,32}$/, { message: 'metaWabaId must be the numeric id Meta gives the WABA' })
  metaWabaId!: string;

  @ApiProperty({
    description:
      'A system-user or business-integration token with whatsapp_business_management and ' +
      'whatsapp_business_messaging on this WABA. Checked against the Graph API, stored encrypted, never returned.',
    example: 'EAAGm0PX4ZCpsBA...',
    writeOnly: true,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  accessToken!: string;
}
